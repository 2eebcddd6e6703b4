// `sentinel-plane history`: the failovers an agent has seen since it started (REST
// GET /v1/failovers, newest first): when, which epoch, from which primary to which, how it
// ended, how long it took, and with --events each one's timeline (events and their offsets).
import { firstAnswer } from "../client/agents.js";
import { addressText } from "../client/topology.js";
import type { Palette } from "../render/colour.js";
import { table } from "../render/table.js";
import type { Context } from "./context.js";
import { print } from "./context.js";

export interface HistoryOptions {
  readonly master?: string;
  readonly limit: number;
  readonly events: boolean;
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

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
const int = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function failoversFromRest(body: unknown): FailoverEntry[] {
  return arr(obj(body)["failovers"]).map((f) => {
    const v = obj(f);
    return {
      master: typeof v["master"] === "string" ? v["master"] : "?",
      epoch: int(v["epoch"]) ?? 0,
      started_at_ms: int(v["started_at_ms"]) ?? 0,
      duration_ms: int(v["duration_ms"]),
      outcome: typeof v["outcome"] === "string" ? v["outcome"] : "?",
      from: v["from"] === null || v["from"] === undefined ? "-" : addressText(v["from"]),
      to: v["to"] === null || v["to"] === undefined ? "-" : addressText(v["to"]),
      events: arr(v["events"]).map((e) => {
        const x = obj(e);
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

export function renderHistory(failovers: readonly FailoverEntry[], with_events: boolean, c: Palette): string {
  if (failovers.length === 0) return "no failovers since the agent started";
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

export async function history(context: Context, options: HistoryOptions): Promise<void> {
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (options.master !== undefined) query.set("master", options.master);
  const answer = await firstAnswer(context.endpoints, {
    rest: (agent) => agent.request("GET", `/v1/failovers?${query.toString()}`),
  });
  const failovers = failoversFromRest(answer.value);
  print(context, `via ${answer.via}\n\n${renderHistory(failovers, options.events, context.colour)}`, {
    via: answer.via,
    failovers: obj(answer.value)["failovers"] ?? [],
  });
}
