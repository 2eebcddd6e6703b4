// `sentinel-plane audit`: who changed what (REST GET /v1/audit, newest first, paged with
// --before): when, through which port, who (token fingerprint or AUTH user, address, client),
// the action with its arguments (secrets redacted by the agent), and the outcome. Needs a token
// with the operate role.
import { firstAnswer } from "../client/agents.js";
import type { Palette } from "../render/colour.js";
import { table } from "../render/table.js";
import type { Context } from "./context.js";
import { print } from "./context.js";
import { nextBefore } from "./history.js";
import { arrayOf, objectOf } from "../client/json.js";

export interface AuditOptions {
  readonly limit: number;
  readonly before?: number;
}

export interface AuditRow {
  readonly seq: number;
  readonly at_ms: number;
  readonly channel: string;
  readonly principal: string;
  readonly address: string;
  readonly client: string;
  readonly action: string;
  readonly args: string;
  readonly outcome: string;
}

const str = (v: unknown, fallback: string): string => (typeof v === "string" ? v : fallback);
const int = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

export function auditFromRest(body: unknown): AuditRow[] {
  return arrayOf(objectOf(body)["entries"]).map((e) => {
    const v = objectOf(e);
    const who = objectOf(v["who"]);
    return {
      seq: int(v["seq"]),
      at_ms: int(v["at_ms"]),
      channel: str(v["channel"], "?"),
      principal: str(who["principal"], "-"),
      address: str(who["address"], "?"),
      client: str(who["client"], "-"),
      action: str(v["action"], "?"),
      args: arrayOf(v["args"])
        .map((a) => str(a, "?"))
        .join(" "),
      outcome: str(v["outcome"], "?"),
    };
  });
}

export function renderAudit(rows: readonly AuditRow[], c: Palette): string {
  if (rows.length === 0) return "no audit records";
  return table(
    ["seq", "when", "port", "who", "from", "client", "action", "outcome"],
    rows.map((r) => [
      String(r.seq),
      new Date(r.at_ms).toISOString().replace("T", " ").slice(0, 19),
      r.channel,
      r.principal,
      r.address,
      r.client,
      `${r.action} ${r.args}`.trim(),
      r.outcome === "ok" ? c.ok(r.outcome) : c.bad(r.outcome),
    ]),
  );
}

export async function audit(context: Context, options: AuditOptions): Promise<void> {
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (options.before !== undefined) query.set("before", String(options.before));
  const answer = await firstAnswer(context.endpoints, {
    rest: (agent) => agent.request("GET", `/v1/audit?${query.toString()}`),
  });
  const next = nextBefore(answer.value);
  const more = next === null ? "" : `\n\nolder: sentinel-plane audit --before ${next}`;
  print(context, `via ${answer.via}\n\n${renderAudit(auditFromRest(answer.value), context.colour)}${more}`, {
    via: answer.via,
    entries: objectOf(answer.value)["entries"] ?? [],
    next_before: next,
  });
}
