// One registry of coded errors (fastify's lib/errors.js): a stable code, a message template and
// the HTTP status the REST API maps it to (RFC 9457 problem+json). Operating errors travel as
// these codes in replies and logs; code is the contract, the text is for people.

export const ERRORS = {
  SP_ERR_MALFORMED_MESSAGE: { status: 400, template: "malformed message: %s" },
  SP_ERR_UNSUPPORTED_VERSION: {
    status: 400,
    template: "unsupported message version %s (this node speaks v1)",
  },
  SP_ERR_UNKNOWN_MESSAGE_TYPE: { status: 400, template: "unknown message type %s" },
  SP_ERR_STALE_EPOCH: {
    status: 409,
    template: "stale epoch %s: this node has accepted epoch %s (issuer %s)",
  },
  SP_ERR_EPOCH_CONFLICT: {
    status: 409,
    template: "epoch %s was already accepted from issuer %s, refused from issuer %s",
  },
  SP_ERR_EPOCH_JUMP: {
    status: 409,
    template: "epoch %s is more than %s above the accepted epoch %s: refused as forged or corrupt",
  },
  SP_ERR_REDIS_UNAVAILABLE: { status: 503, template: "redis is unavailable: %s" },
  SP_ERR_COMMAND_WITHDRAWN: {
    status: 409,
    template: "%s at epoch %s not sent: no longer wanted (its failover ended, it is too old, or TILT) (%s)",
  },
  SP_ERR_REDIS_NOT_OURS: {
    status: 409,
    template: "the redis-server on the configured port is not the one this data-node supervises: %s",
  },
  SP_ERR_REDIS_COMMAND_FAILED: { status: 502, template: "redis command %s failed: %s" },
  SP_ERR_STATE_PERSIST_FAILED: { status: 500, template: "could not persist state to %s: %s" },
  SP_ERR_STATE_CORRUPT: { status: 500, template: "state file %s is corrupt: %s" },
  SP_ERR_CONFIG_INVALID: { status: 400, template: "invalid configuration: %s" },
  SP_ERR_UNKNOWN_MASTER: { status: 404, template: "no master named %s" },
  SP_ERR_INVALID_ID: { status: 400, template: "invalid %s id %s: %s" },
  SP_ERR_OVERLOADED: { status: 503, template: "too many requests in flight (max %s)" },
  SP_ERR_TIMEOUT: { status: 504, template: "%s timed out after %s ms" },
  SP_ERR_INVALID_REQUEST: { status: 400, template: "invalid request: %s" },
  SP_ERR_MALFORMED_REQUEST: { status: 400, template: "malformed request body: %s" },
  SP_ERR_UNAUTHORIZED: { status: 401, template: "%s" },
  SP_ERR_FORBIDDEN: { status: 403, template: "%s" },
  SP_ERR_LEASE_NODE_MISMATCH: {
    status: 403,
    template: "this lease token is for data-node %s; the request claims data-node %s",
  },
  SP_ERR_NOT_FOUND: { status: 404, template: "no route for %s %s" },
  SP_ERR_METHOD_NOT_ALLOWED: { status: 405, template: "method %s not allowed on %s" },
  SP_ERR_MASTER_EXISTS: { status: 409, template: "a master named %s is already monitored" },
  SP_ERR_FAILOVER_IN_PROGRESS: { status: 409, template: "a failover of %s is already in progress" },
  SP_ERR_NO_GOOD_REPLICA: { status: 409, template: "no replica can be promoted: %s" },
  SP_ERR_PRIMARY_UNREACHABLE: { status: 409, template: "%s" },
  SP_ERR_ADMIN_REFUSED: { status: 422, template: "refused: %s" },
  SP_ERR_PAUSE_EXPIRY_INVALID: { status: 400, template: "invalid pause expiry: %s" },
  SP_ERR_NOTHING_TO_ACKNOWLEDGE: { status: 409, template: "nothing to acknowledge: %s" },
  SP_ERR_PAYLOAD_TOO_LARGE: { status: 413, template: "request body larger than %s bytes" },
  SP_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, template: "unsupported content type %s" },
  SP_ERR_RATE_LIMITED: { status: 429, template: "rate limit exceeded, retry in %s" },
  SP_ERR_INTERNAL: { status: 500, template: "internal error: %s" },
  SP_ERR_UNAVAILABLE: { status: 503, template: "%s" },
  SP_ERR_NOT_PRIMARY: { status: 503, template: "%s is not the primary of any monitored master" },
  SP_ERR_NOT_HEALTHY_REPLICA: { status: 503, template: "%s is not a healthy replica: %s" },
  SP_ERR_NOT_READY: { status: 503, template: "not ready: %s" },
  // The agent's own admin answers (its loop), before or instead of the core's; REST reports them
  // as SP_ERR_OVERLOADED / SP_ERR_UNAVAILABLE, RESP prints them as they are.
  SP_ERR_BUSY: { status: 503, template: "%s" },
  SP_ERR_STOPPED: { status: 503, template: "%s" },
  /**
   * An agent's NATS user names another agent (`agent-<myid>`, nats-auth.ts) than sentinel.conf's
   * `sentinel myid`: its publishes as itself would all be refused, so it does not start.
   */
  SP_ERR_NATS_USER_MYID_MISMATCH: {
    status: 500,
    template:
      "NATS user %s is bound to agent id %s, but sentinel.conf's myid is %s: put `sentinel myid %s` back in the file, or give this agent the NATS user %s",
  },
  /** A service could not start (logged, exit code 2). */
  SP_ERR_START_FAILED: { status: 500, template: "start failed: %s" },
  /** A TLS certificate, key or CA file that cannot be read or used (bad path, PEM, passphrase). */
  SP_ERR_TLS_FILE: { status: 500, template: "%s" },
  // The vip-manager's VIP mechanics (services/vip-manager command.ts, vip-controller.ts).
  SP_ERR_VIP_COMMAND_FAILED: { status: 500, template: "%s" },
  SP_ERR_VIP_COMMAND_TIMEOUT: { status: 504, template: "%s" },
  SP_ERR_VIP_SPAWN: { status: 500, template: "%s" },
  SP_ERR_VIP_BAD_OUTPUT: { status: 502, template: "%s" },
  SP_ERR_VIP_UNEXPECTED: { status: 500, template: "%s" },
  /** A host that should hold a VIP still finds another host answering for it (or cannot probe)
   * after the old holder's address must have expired: it does not bind (never two holders). */
  SP_ERR_VIP_ADDRESS_IN_USE: { status: 409, template: "%s" },
  // The test lab's network namespaces (libs/testkit netns).
  SP_ERR_NETNS_COMMAND: { status: 500, template: "%s" },
  SP_ERR_NETNS_TEARDOWN: { status: 500, template: "%s" },
  SP_ERR_TOPOLOGY_UNDER_REPLICATED: {
    status: 503,
    template: "topology bucket %s has %s replicas, %s configured, and cannot be raised: %s",
  },
} as const satisfies Record<string, { readonly status: number; readonly template: string }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/** Fills `%s` placeholders in order; missing arguments stay visible as `%s`. */
export function formatErrorMessage(code: ErrorCode, args: readonly (string | number)[]): string {
  let index = 0;
  return ERRORS[code].template.replace(/%s/g, (placeholder) => {
    const arg = args[index++];
    return arg === undefined ? placeholder : String(arg);
  });
}

/** The one error class: a code from the registry, its HTTP status and an optional cause. */
export class SpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, args: readonly (string | number)[], options?: { readonly cause?: unknown }) {
    super(
      formatErrorMessage(code, args),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "SpError";
    this.code = code;
    this.status = ERRORS[code].status;
  }

  /** The wire form used in replies (`{code, message}`). */
  toJSON(): { readonly code: ErrorCode; readonly message: string } {
    return { code: this.code, message: this.message };
  }
}

export function spError(code: ErrorCode, args: readonly (string | number)[], cause?: unknown): SpError {
  return new SpError(code, args, cause === undefined ? undefined : { cause });
}

export function isSpError(error: unknown): error is SpError {
  return error instanceof SpError;
}

/** The `code` of a Node system error (`ENOENT`, `ESRCH`, `EPERM` ...); undefined for other values. */
export function errnoCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
