// Records every request to the change routes in the audit log once its answer is known, refused
// ones included (a bad token, a wrong role, an invalid body): who (address, token fingerprint,
// User-Agent), what (method and route, the master, the body's fields), the outcome (`ok` or the
// problem's code).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuditSink } from "../audit-log.js";
import { bodyArgs } from "../audit-log.js";
import type { TokenChecker } from "./auth.js";
import { isJsonObject } from "@sentinel-plane/protocol";

function problemCode(status: number, payload: unknown): string {
  if (typeof payload === "string") {
    try {
      const body: unknown = JSON.parse(payload);
      // An array has no "code" either: it is refused as well.
      if (isJsonObject(body)) {
        const code = body["code"];
        if (typeof code === "string") return code;
      }
    } catch {
      // not JSON: the status says enough
    }
  }
  return `HTTP_${status}`;
}

function problemDetail(payload: unknown): string | null {
  if (typeof payload !== "string") return null;
  try {
    const body: unknown = JSON.parse(payload);
    const detail = isJsonObject(body) ? body["detail"] : undefined;
    return typeof detail === "string" ? detail : null;
  } catch {
    return null;
  }
}

function masterParam(request: FastifyRequest): string | null {
  const params = request.params;
  if (!isJsonObject(params)) return null;
  const name = params["name"];
  return typeof name === "string" ? name : null;
}

export function auditRestChanges(scope: FastifyInstance, sink: AuditSink, auth: TokenChecker): void {
  scope.addHook("onSend", (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    const status = reply.statusCode;
    const master = masterParam(request);
    const route = request.routeOptions.url ?? request.url.split("?")[0] ?? "";
    sink.record({
      channel: "rest",
      address: `${request.ip}:${request.socket.remotePort ?? 0}`,
      principal: auth.identify(request.headers.authorization),
      client: request.headers["user-agent"] ?? null,
      action: `${request.method} ${route}`,
      args: [...(master === null ? [] : [master]), ...bodyArgs(request.body)],
      master,
      outcome: status < 400 ? "ok" : problemCode(status, payload),
      detail: status < 400 ? null : problemDetail(payload),
    });
    done(null, payload);
  });
}
