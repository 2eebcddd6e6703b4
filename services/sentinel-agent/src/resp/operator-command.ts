// `SENTINEL PAUSE <name|*> <milliseconds>`, `SENTINEL RESUME <name|*>`, `SENTINEL ACK-FAILOVER
// <name>`: ours (Redis Sentinel has no maintenance mode), in Sentinel's style (times in
// milliseconds, `+OK` or an error line). The expiry is required by the arity; its bounds are the
// core's (libs/core maintenance.ts). Who asked is recorded as `resp <client address>`.
import { error, errorErr, OK } from "./reply.js";
import type { Reply } from "./reply.js";
import type { SentinelView } from "./view.js";
import { parseStrictInteger } from "./request-parser.js";

export function operatorCommand(
  view: SentinelView,
  sub: "pause" | "resume" | "ack-failover",
  argv: readonly string[],
  remote_address: string,
): Promise<Reply> | Reply {
  const name = argv[2] ?? "";
  const by = `resp ${remote_address}`;
  if (name !== "*" && view.master(name) === undefined) return errorErr("No such master with that name");
  if (sub === "ack-failover" && name === "*") return errorErr("ACK-FAILOVER names one master");
  if (sub === "pause") {
    const raw = argv[3] ?? "";
    const duration_ms = parseStrictInteger(raw);
    if (duration_ms === null) return errorErr(`Invalid pause duration '${raw}': milliseconds expected`);
    return view.operator({ kind: "pause", name, duration_ms, by }).then((r) => (r.ok ? OK : error(r.error)));
  }
  return view.operator({ kind: sub, name, by }).then((r) => (r.ok ? OK : error(r.error)));
}
