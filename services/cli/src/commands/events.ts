// `sentinel-plane events`: follows the event stream. REST: GET /v1/events (SSE), resumed with
// Last-Event-ID after a broken connection; fallback: PSUBSCRIBE * on an agent's Sentinel port.
// Reconnects are bounded (RECONNECTS_MAX in a row without an event), then the command fails.
import type { Endpoint } from "../client/agents.js";
import { problemOf } from "../client/rest.js";
import type { RestAgent } from "../client/rest.js";
import { SseParser } from "../client/sse.js";
import type { SseEvent } from "../client/sse.js";
import { CliError, EXIT, describeError } from "../errors.js";
import type { Context } from "./context.js";
import { isIndexable } from "../client/json.js";

const RECONNECTS_MAX = 30;
const RECONNECT_DELAY_MS = 1000;

export interface EventsOptions {
  readonly master?: string;
  readonly type?: string;
  /** Stop after this many events (scripts, tests). */
  readonly count?: number;
}

export interface ShownEvent {
  readonly id: string | null;
  readonly name: string;
  readonly text: string;
  readonly data: unknown;
}

/** REST event data: the wire event as JSON ({ name, text, ... }) or plain text. */
export function eventFromSse(event: SseEvent): ShownEvent {
  try {
    const data: unknown = JSON.parse(event.data);
    if (isIndexable(data)) {
      const d = data;
      const name = typeof d["name"] === "string" ? d["name"] : event.event;
      const text = typeof d["text"] === "string" ? d["text"] : event.data;
      return { id: event.id, name, text, data };
    }
  } catch {
    // plain text data
  }
  return { id: event.id, name: event.event, text: event.data, data: event.data };
}

class Printer {
  seen = 0;
  readonly #context: Context;
  readonly #options: EventsOptions;
  readonly #done: () => void;

  constructor(context: Context, options: EventsOptions, done: () => void) {
    this.#context = context;
    this.#options = options;
    this.#done = done;
  }

  show(event: ShownEvent, via: string): void {
    if (this.#options.count !== undefined && this.seen >= this.#options.count) return;
    // The RESP fallback has no server-side filter: filter here.
    if (this.#options.type !== undefined && event.name !== this.#options.type) return;
    if (this.#options.master !== undefined && !` ${event.text} `.includes(` ${this.#options.master} `))
      return;
    this.seen += 1;
    const line = this.#context.options.json
      ? JSON.stringify({ ...event, via })
      : `${new Date().toISOString()} ${event.name} ${event.text}`;
    process.stdout.write(`${line}\n`);
    if (this.#options.count !== undefined && this.seen >= this.#options.count) this.#done();
  }
}

async function streamRest(
  agent: RestAgent,
  options: EventsOptions,
  last_id: { value: string | null },
  printer: Printer,
  stop: AbortSignal,
): Promise<void> {
  const url = new URL(agent.url("/v1/events"));
  if (options.master !== undefined) url.searchParams.set("master", options.master);
  if (options.type !== undefined) url.searchParams.set("type", options.type);
  const connect = AbortSignal.timeout(agent.options.timeout_ms);
  const controller = new AbortController();
  const abort = (): void => {
    controller.abort();
  };
  connect.addEventListener("abort", abort, { once: true });
  stop.addEventListener("abort", abort, { once: true });
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (last_id.value !== null) headers["last-event-id"] = last_id.value;
  if (agent.options.token !== null) headers["authorization"] = `Bearer ${agent.options.token}`;
  const response = await fetch(url, { headers, signal: controller.signal });
  // Connected: from here only a stop ends the stream, not the connect timeout.
  connect.removeEventListener("abort", abort);
  if (!response.ok || response.body === null) {
    const text = await response.text();
    const problem = problemOf(response.status, text);
    throw new CliError(EXIT.refused, problem.code, `${problem.detail} (HTTP ${problem.status})`);
  }
  const parser = new SseParser();
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    for (const event of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
      if (event.id !== null) last_id.value = event.id;
      printer.show(eventFromSse(event), agent.label);
    }
  }
}

export async function events(context: Context, options: EventsOptions): Promise<void> {
  const stop = new AbortController();
  const printer = new Printer(context, options, () => {
    stop.abort();
  });
  const last_id: { value: string | null } = { value: null };
  const failures: string[] = [];
  // A getter TypeScript would narrow as if it could not change across awaits.
  const stopped = (): boolean => stop.signal.aborted;
  let in_a_row = 0;
  while (!stopped() && in_a_row < RECONNECTS_MAX) {
    const before = printer.seen;
    for (const endpoint of context.endpoints) {
      if (stopped()) break;
      const outcome = await follow(endpoint, options, last_id, printer, stop.signal);
      if (outcome !== null) failures.push(outcome);
      if (printer.seen > before) break;
    }
    if (stopped()) break;
    in_a_row = printer.seen > before ? 0 : in_a_row + 1;
    if (!context.options.json)
      process.stderr.write(`events: stream ended, reconnecting (${failures.at(-1) ?? ""})\n`);
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
  }
  if (!stopped()) {
    throw new CliError(
      EXIT.unreachable,
      "CLI_NO_AGENT_REACHABLE",
      `event stream lost:\n  ${failures.slice(-5).join("\n  ")}`,
    );
  }
}

/** One connection; returns why it ended (null when stopped on purpose). */
async function follow(
  endpoint: Endpoint,
  options: EventsOptions,
  last_id: { value: string | null },
  printer: Printer,
  stop: AbortSignal,
): Promise<string | null> {
  if (endpoint.rest !== null) {
    try {
      await streamRest(endpoint.rest, options, last_id, printer, stop);
      return stop.aborted ? null : `${endpoint.rest.label}: stream ended`;
    } catch (error) {
      if (stop.aborted) return null;
      if (error instanceof CliError) throw error;
      if (endpoint.resp === null) return `${endpoint.rest.label}: ${describeError(error)}`;
    }
  }
  if (endpoint.resp !== null) {
    const resp = endpoint.resp;
    try {
      const ended = resp.follow((name, text) => {
        printer.show({ id: null, name, text, data: text }, resp.label);
      });
      const stopped = new Promise<null>((resolve) => {
        stop.addEventListener(
          "abort",
          () => {
            resolve(null);
          },
          { once: true },
        );
      });
      return await Promise.race([ended, stopped]);
    } catch (error) {
      return describeError(error);
    }
  }
  return null;
}
