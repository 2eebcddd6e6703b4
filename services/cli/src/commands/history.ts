// `sentinel-plane history`: the durable failover history (REST GET /v1/history, kept in
// JetStream across restarts, newest first, paged with --before): when, which epoch, from which
// primary to which, how it ended, how long it took, and with --events each one's timeline. With
// --live, the failovers the agent saw since it started, running ones included (GET /v1/failovers).
import { firstAnswer } from "../client/agents.js";
import { addressText } from "../client/topology.js";
import type { Palette } from "../render/colour.js";
import { table } from "../render/table.js";
import type { Context } from "./context.js";
import { print } from "./context.js";
import { arrayOf, objectOf } from "../client/json.js";

export interface HistoryOptions {
  readonly master?: string;
  readonly limit: number;
  readonly events: boolean;
  /** The page cursor (a stream sequence): only older records. */
  readonly before?: number;
  /** In-memory list of the agent (running failovers too) instead of the durable history. */
  readonly live?: boolean;
}

export interface FailoverEntry {
  readonly master: string;
  readonly epoch: number;
  readonly started_at_ms: number;
  readonly duration_ms: number | null;
  readonly outcome: string;
  readonly from: string;
  readonly to: string;
  readonly events: readonly {
    readonly name: string;
    readonly text: string;
    readonly since_start_ms: number;
  }[];
}

const int = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function failoversFromRest(body: unknown): FailoverEntry[] {
  return arrayOf(objectOf(body)["failovers"]).map((f) => {
    const v = objectOf(f);
    return {
      master: typeof v["master"] === "string" ? v["master"] : "?",
      epoch: int(v["epoch"]) ?? 0,
      started_at_ms: int(v["started_at_ms"]) ?? 0,
      duration_ms: int(v["duration_ms"]),
      outcome: typeof v["outcome"] === "string" ? v["outcome"] : "?",
      from: v["from"] === null || v["from"] === undefined ? "-" : addressText(v["from"]),
      to: v["to"] === null || v["to"] === undefined ? "-" : addressText(v["to"]),
      events: arrayOf(v["events"]).map((e) => {
        const x = objectOf(e);
        return {
          name: typeof x["name"] === "string" ? x["name"] : "?",
          text: typeof x["text"] === "string" ? x["text"] : "",
          since_start_ms: int(x["since_start_ms"]) ?? 0,
        };
      }),
    };
  });
}

function outcome(word: string, c: Palette): string {
  if (word === "end") return c.ok(word);
  if (word === "in-progress") return c.warn(word);
  return c.bad(word);
}

export function renderHistory(
  failovers: readonly FailoverEntry[],
  with_events: boolean,
  c: Palette,
  empty = "no failovers since the agent started",
): string {
  if (failovers.length === 0) return empty;
  const summary = table(
    ["started", "master", "epoch", "from", "to", "outcome", "took"],
    failovers.map((f) => [
      new Date(f.started_at_ms).toISOString().replace("T", " ").slice(0, 19),
      f.master,
      String(f.epoch),
      f.from,
      f.to,
      outcome(f.outcome, c),
      f.duration_ms === null ? "-" : `${f.duration_ms} ms`,
    ]),
  );
  if (!with_events) return summary;
  const timelines = failovers.map(
    (f) =>
      `${c.strong(`${f.master} epoch ${f.epoch}`)}\n` +
      f.events.map((e) => `  +${String(e.since_start_ms).padStart(6)} ms  ${e.name} ${e.text}`).join("\n"),
  );
  return [summary, ...timelines].join("\n\n");
}

/** The next page's cursor of a /v1/history or /v1/audit answer, null on the last page. */
export function nextBefore(body: unknown): number | null {
  return int(objectOf(body)["next_before"]);
}

export async function history(context: Context, options: HistoryOptions): Promise<void> {
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (options.master !== undefined) query.set("master", options.master);
  if (options.before !== undefined && options.live !== true) query.set("before", String(options.before));
  const path = options.live === true ? "/v1/failovers" : "/v1/history";
  const answer = await firstAnswer(context.endpoints, {
    rest: (agent) => agent.request("GET", `${path}?${query.toString()}`),
  });
  const failovers = failoversFromRest(answer.value);
  const next = options.live === true ? null : nextBefore(answer.value);
  const empty = options.live === true ? "no failovers since the agent started" : "no failovers recorded";
  const more = next === null ? "" : `\n\nolder: sentinel-plane history --before ${next}`;
  print(
    context,
    `via ${answer.via}\n\n${renderHistory(failovers, options.events, context.colour, empty)}${more}`,
    {
      via: answer.via,
      failovers: objectOf(answer.value)["failovers"] ?? [],
      next_before: next,
    },
  );
}
