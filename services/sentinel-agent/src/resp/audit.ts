// Which Sentinel-port commands change state, and how they read in the audit log. The protocol's
// own traffic between sentinels (IS-MASTER-DOWN-BY-ADDR) and reads are not audited; a refused
// change is (its outcome is the error's first word).
import type { AuditSink } from "../audit-log.js";
import type { Reply } from "./reply.js";
import { isReplyList } from "./reply.js";
import type { ClientSession } from "./session.js";

/** SENTINEL subcommands that change what is monitored, how, or the topology. */
const CHANGING = new Set([
  "monitor",
  "remove",
  "set",
  "reset",
  "failover",
  "flushconfig",
  "simulate-failure",
]);

export interface AuditedCommand {
  readonly action: string;
  readonly args: readonly string[];
  readonly master: string | null;
}

/** The audit view of a request, or null when it changes nothing. `argv` is canonical (aliases resolved). */
export function auditedCommand(argv: readonly string[]): AuditedCommand | null {
  if ((argv[0] ?? "").toLowerCase() !== "sentinel") return null;
  const sub = (argv[1] ?? "").toLowerCase();
  const rest = argv.slice(2);
  const changing =
    CHANGING.has(sub) ||
    (sub === "config" && (rest[0] ?? "").toLowerCase() === "set") ||
    (sub === "debug" && rest.length > 0);
  if (!changing) return null;
  const named = ["monitor", "remove", "set", "failover"].includes(sub);
  return { action: `SENTINEL ${sub.toUpperCase()}`, args: rest, master: named ? (rest[0] ?? null) : null };
}

/** `ok`, or an error reply's first word (`ERR`, `NOGOODSLAVE`, `INPROG`...). */
export function replyOutcome(reply: Reply | readonly Reply[]): { outcome: string; detail: string | null } {
  const one = isReplyList(reply) ? reply[0] : reply;
  if (one !== undefined && one.type === "error") {
    return { outcome: one.value.split(" ")[0] ?? "ERR", detail: one.value };
  }
  return { outcome: "ok", detail: null };
}

export function recordRespAudit(
  sink: AuditSink,
  session: ClientSession,
  authenticated_user: string | null,
  command: AuditedCommand,
  reply: Reply | readonly Reply[],
): void {
  const { outcome, detail } = replyOutcome(reply);
  const lib =
    session.lib_name === ""
      ? ""
      : ` ${session.lib_name}${session.lib_ver === "" ? "" : `/${session.lib_ver}`}`;
  const client = `${session.name ?? ""}${lib}`.trim();
  sink.record({
    channel: "resp",
    address: session.remote_address,
    principal: authenticated_user,
    client: client === "" ? null : client,
    action: command.action,
    args: command.args,
    master: command.master,
    outcome,
    detail,
  });
}
