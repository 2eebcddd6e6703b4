// Switchover on planned shutdown (issue 18): a primary's data-node, told to stop, asks for a
// zero-loss switchover before it stops its redis-server. One agent of the queue group answers:
// it checks the request (the subject names the sender, which must be the master's primary now)
// and runs SENTINEL FAILOVER through its core, which for a reachable primary is the coordinated
// switchover (libs/core switchover.ts: fence, catch-up, promote). The reply only says whether
// the switchover started; the data-node then waits for the topology to name another primary.
import type { Address, AdminCommand } from "@sentinel-plane/core";
import {
  allNodeSwitchoverSubject,
  decodeSwitchoverRequest,
  encodeMessage,
  PROTOCOL_VERSION,
} from "@sentinel-plane/protocol";
import type { SwitchoverReply, SwitchoverRequest } from "@sentinel-plane/protocol";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";
import type { AdminReply } from "@sentinel-plane/agent-shell";

/** One agent per request: NATS delivers each to one member of this queue group. */
export const SWITCHOVER_QUEUE = "sp-switchover";

export interface SwitchoverDeskOptions {
  readonly cluster_id: string;
  readonly myid: string;
  /** The master's primary as this agent knows it; null when it monitors no such master. */
  readonly primary_of: (master_name: string) => Address | null;
  readonly admin: (command: AdminCommand) => Promise<AdminReply>;
  readonly on_malformed: (subject: string, code: string, reason: string) => void;
  readonly logger: Logger;
}

/** The node id a switchover subject names (`sp.<c>.node.<id>.switchover`), or null. */
export function switchoverSender(subject: string): string | null {
  const tokens = subject.split(".");
  return tokens.length === 5 && tokens[2] === "node" && tokens[4] === "switchover"
    ? (tokens[3] ?? null)
    : null;
}

export type SwitchoverCheck =
  { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string };

/** Whether this request may start a switchover (pure). */
export function checkSwitchoverRequest(
  subject: string,
  request: SwitchoverRequest,
  primary: Address | null,
): SwitchoverCheck {
  if (switchoverSender(subject) !== request.node_id) {
    return {
      ok: false,
      code: "SP_ERR_FORBIDDEN",
      message: `request for node ${request.node_id} sent on ${subject}`,
    };
  }
  if (primary === null) {
    return { ok: false, code: "SP_ERR_UNKNOWN_MASTER", message: `no master named ${request.master_name}` };
  }
  if (primary.host !== request.address.host || primary.port !== request.address.port) {
    return {
      ok: false,
      code: "SP_ERR_NOT_PRIMARY",
      message: `${request.address.host}:${request.address.port} is not the primary of ${request.master_name} (${primary.host}:${primary.port} is)`,
    };
  }
  return { ok: true };
}

export class SwitchoverDesk {
  readonly #options: SwitchoverDeskOptions;

  constructor(options: SwitchoverDeskOptions) {
    this.#options = options;
  }

  start(nc: NatsConnection): void {
    nc.subscribe(allNodeSwitchoverSubject(this.#options.cluster_id), {
      queue: SWITCHOVER_QUEUE,
      callback: (error, msg) => {
        if (error !== null) return; // subscription closed; the connection logs its status
        void this.handle(msg.subject, msg.data).then((reply) => {
          try {
            msg.respond(encodeMessage(reply));
          } catch {
            // Closed connection: the data-node times out and asks again.
          }
        });
      },
    });
  }

  /** Handles one raw request and returns the reply (public for tests). */
  async handle(subject: string, data: Uint8Array | string): Promise<SwitchoverReply> {
    const decoded = decodeSwitchoverRequest(data);
    if (!decoded.ok) {
      this.#options.on_malformed(subject, decoded.error.code, decoded.error.message);
      return this.#reply({ ok: false, code: decoded.error.code, message: decoded.error.message });
    }
    const request = decoded.value;
    const check = checkSwitchoverRequest(subject, request, this.#options.primary_of(request.master_name));
    const logger = this.#options.logger;
    if (!check.ok) {
      logger.warn(
        {
          event: "shutdown_switchover_refused",
          node_id: request.node_id,
          code: check.code,
          error: check.message,
        },
        "shutdown switchover refused",
      );
      return this.#reply(check);
    }
    const outcome = await this.#options.admin({ type: "failover", name: request.master_name });
    logger.warn(
      {
        event: "shutdown_switchover",
        node_id: request.node_id,
        master: request.master_name,
        reason: request.reason,
        ok: outcome.ok,
        ...(outcome.ok ? {} : { code: outcome.code, error: outcome.message }),
      },
      `switchover requested by the data-node of the primary before its shutdown (${request.reason})`,
    );
    return this.#reply(
      outcome.ok
        ? { ok: true, message: outcome.message }
        : { ok: false, code: outcome.code, message: outcome.message },
    );
  }

  #reply(outcome: {
    readonly ok: boolean;
    readonly code?: string;
    readonly message?: string;
  }): SwitchoverReply {
    return {
      v: PROTOCOL_VERSION,
      type: "switchover_reply",
      from: this.#options.myid,
      ok: outcome.ok,
      ...(outcome.code === undefined ? {} : { code: outcome.code }),
      ...(outcome.message === undefined ? {} : { message: outcome.message.slice(0, 1024) }),
    };
  }
}
