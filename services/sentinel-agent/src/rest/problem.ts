// RFC 9457 problem details for every 4xx/5xx: our coded errors (the protocol's registry), the
// core's admin refusals (each carries its registry code beside Sentinel's reply line) and
// fastify's own errors (validation, 404, malformed JSON, body too large, wrong content type) all
// become `{type, title, status, detail, code}` with a stable SP_ERR_* code.
import { isSpError, spError } from "@sentinel-plane/protocol";
import type { SpError } from "@sentinel-plane/protocol";
import type { ErrorCode } from "@sentinel-plane/protocol";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { AdminReply } from "@sentinel-plane/agent-shell";
import { PROBLEM_MEDIA_TYPE } from "./schemas.js";
import type { Problem } from "./schemas.js";

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Validation errors listed in a problem (the first few: a huge bad body stays a small reply). */
const VALIDATION_ERRORS_MAX = 20;

export function problemOf(error: SpError, instance?: string, errors?: Problem["errors"]): Problem {
  return {
    type: `urn:sentinel-plane:error:${error.code}`,
    title: TITLES[error.status] ?? "Error",
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance === undefined ? {} : { instance }),
    ...(errors === undefined ? {} : { errors }),
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.code === "SP_ERR_UNAUTHORIZED")
    reply.header("www-authenticate", 'Bearer realm="sentinel-plane"');
  return reply.code(problem.status).type(PROBLEM_MEDIA_TYPE).send(problem);
}

/** fastify's error codes (FST_ERR_*) that are the client's fault, with our code for each. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "SP_ERR_PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "SP_ERR_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "SP_ERR_MALFORMED_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "SP_ERR_MALFORMED_REQUEST",
  FST_ERR_CTP_INVALID_JSON_BODY: "SP_ERR_MALFORMED_REQUEST",
};

function fastifyStatus(error: FastifyError): number {
  const status = error.statusCode;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
}

function validationMessage(
  keyword: string,
  params: Record<string, unknown>,
  message: string | undefined,
): string {
  const unknown = params["additionalProperties"];
  if (keyword === "additionalProperties" && Array.isArray(unknown)) {
    return `has unknown field(s): ${unknown.map(String).join(", ")}`;
  }
  return message ?? "is invalid";
}

/** Maps anything a route or fastify threw to a problem. Unknown errors are 500 (logged by the caller). */
export function problemFromError(error: unknown, request: FastifyRequest, body_limit_bytes: number): Problem {
  const instance = request.url.split("?")[0] ?? request.url;
  if (isSpError(error)) return problemOf(error, instance);
  const fe = error as FastifyError;
  if (Array.isArray(fe.validation)) {
    const errors = fe.validation
      // TypeBox reports an unknown field twice: `schema is false` at the field, and
      // additionalProperties at its object (which names it); keep the latter.
      .filter((v) => v.keyword !== "boolean")
      .slice(0, VALIDATION_ERRORS_MAX)
      .map((v) => ({
        path: `${fe.validationContext ?? "request"}${v.instancePath}`,
        message: validationMessage(v.keyword, v.params, v.message),
      }));
    const detail = errors.map((e) => `${e.path} ${e.message}`).join("; ");
    return problemOf(spError("SP_ERR_INVALID_REQUEST", [detail]), instance, errors);
  }
  const mapped = typeof fe.code === "string" ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped === "SP_ERR_PAYLOAD_TOO_LARGE") return problemOf(spError(mapped, [body_limit_bytes]), instance);
  if (mapped === "SP_ERR_UNSUPPORTED_MEDIA_TYPE") {
    return problemOf(spError(mapped, [request.headers["content-type"] ?? "(none)"]), instance);
  }
  if (mapped !== undefined) return problemOf(spError(mapped, [fe.message]), instance);
  const status = fastifyStatus(fe);
  // A JSON syntax error from the body parser carries status 400 and no FST code.
  if (status === 400) return problemOf(spError("SP_ERR_MALFORMED_REQUEST", [fe.message]), instance);
  if (status === 413) return problemOf(spError("SP_ERR_PAYLOAD_TOO_LARGE", [body_limit_bytes]), instance);
  if (status < 500) {
    return {
      ...problemOf(spError("SP_ERR_INVALID_REQUEST", [fe.message]), instance),
      status,
      title: TITLES[status] ?? "Error",
    };
  }
  return problemOf(spError("SP_ERR_INTERNAL", ["the request could not be completed"]), instance);
}

/**
 * Admin refusals whose problem is not `code` with the refusal's detail: those about the master name
 * it, and the loop's own BUSY and STOPPED are the API's OVERLOADED and UNAVAILABLE.
 */
const ADMIN_PROBLEMS: Partial<Readonly<Record<ErrorCode, (master_name: string) => SpError>>> = {
  SP_ERR_UNKNOWN_MASTER: (master_name) => spError("SP_ERR_UNKNOWN_MASTER", [master_name]),
  SP_ERR_MASTER_EXISTS: (master_name) => spError("SP_ERR_MASTER_EXISTS", [master_name]),
  SP_ERR_FAILOVER_IN_PROGRESS: (master_name) => spError("SP_ERR_FAILOVER_IN_PROGRESS", [master_name]),
  SP_ERR_BUSY: () => spError("SP_ERR_OVERLOADED", ["admin requests"]),
  SP_ERR_STOPPED: () => spError("SP_ERR_UNAVAILABLE", ["the agent is stopping"]),
};

/** Maps an admin reply to a registry error by its code (the core's or the loop's); null for success. */
export function adminError(reply: AdminReply, master_name: string): SpError | null {
  if (reply.ok) return null;
  return ADMIN_PROBLEMS[reply.code]?.(master_name) ?? spError(reply.code, [reply.detail ?? reply.message]);
}
