// Server-Sent Events for /v1/events: this agent's events (the ones the Sentinel protocol publishes
// too) as `id: <event id>` / `event: <name>` / `data: <json>` frames, filtered by master and
// event names, resumable from `Last-Event-ID` through the EventHub's bounded history. A comment
// line every `heartbeat_ms` keeps proxies from closing an idle stream. A client that does not
// read is not buffered for without bound: once its socket's pending bytes exceed
// `buffer_max_bytes` the stream is closed (it may reconnect with Last-Event-ID).
import type { ServerResponse } from "node:http";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import type { RestEvent } from "./schemas.js";

export interface EventSource {
  subscribe(listener: (event: WireEventMessage) => void): (() => void) | null;
  since(after_id: number): WireEventMessage[];
}

export interface EventStreamLimits {
  readonly heartbeat_ms: number;
  readonly buffer_max_bytes: number;
  /** Concurrent streams; more are refused with 503. */
  readonly streams_max: number;
  /** Reconnection delay suggested to clients (`retry:`). */
  readonly retry_ms: number;
}

export interface EventFilter {
  readonly master: string | undefined;
  /** null: every event name. */
  readonly names: ReadonlySet<string> | null;
}

/**
 * `type=+switch-master,+sdown`. An unencoded `+` in a query string arrives as a space (form
 * encoding): a name starting with a space is read as starting with `+`.
 */
export function parseTypeFilter(text: string | undefined): ReadonlySet<string> | null {
  if (text === undefined) return null;
  const names = text
    .split(",")
    .map((n) => (n.startsWith(" ") ? `+${n.slice(1)}` : n).trim())
    .filter((n) => n.length > 0);
  return names.length === 0 ? null : new Set(names);
}

export function restEventOf(event: WireEventMessage): RestEvent {
  return {
    id: event.id,
    agent: event.agent,
    time_ms: event.time_ms,
    name: event.name,
    level: event.level,
    master: event.master_name,
    text: event.text,
    epoch: event.epoch,
  };
}

function matches(filter: EventFilter, event: WireEventMessage): boolean {
  if (filter.master !== undefined && event.master_name !== filter.master) return false;
  return filter.names === null || filter.names.has(event.name);
}

function frame(event: WireEventMessage): string {
  return `id: ${event.id}\nevent: ${event.name}\ndata: ${JSON.stringify(restEventOf(event))}\n\n`;
}

/** Last-Event-ID: a non-negative integer, else ignored (the stream starts with new events). */
export function parseLastEventId(header: string | string[] | undefined): number | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^[0-9]{1,15}$/.test(text.trim())) return null;
  return Number(text.trim());
}

export class EventStreams {
  readonly #source: EventSource;
  readonly #limits: EventStreamLimits;
  readonly #open = new Set<ServerResponse>();
  #dropped = 0;

  constructor(source: EventSource, limits: EventStreamLimits) {
    this.#source = source;
    this.#limits = limits;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Streams closed because their client did not keep up. */
  get dropped(): number {
    return this.#dropped;
  }

  hasRoom(): boolean {
    return this.#open.size < this.#limits.streams_max;
  }

  /**
   * Serves one stream on a hijacked response until the client goes away. Returns false when the
   * EventHub refused another listener (the caller answers 503 before hijacking: call hasRoom()).
   */
  serve(raw: ServerResponse, filter: EventFilter, last_event_id: number | null): boolean {
    // History and subscription are read in the same synchronous turn: no event falls between.
    let backlog = last_event_id === null ? [] : this.#source.since(last_event_id);
    let restarted = false;
    if (last_event_id !== null && backlog.length === 0) {
      // An id above the newest one comes from an earlier incarnation of this agent (ids restart
      // at 1): replay what the history holds rather than wait for ids to pass the old one.
      const newest = this.#source.since(0).at(-1)?.id ?? 0;
      if (last_event_id > newest) {
        backlog = this.#source.since(0);
        restarted = true;
      }
    }
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe?.();
      this.#open.delete(raw);
      if (!raw.destroyed) raw.destroy();
    };
    const write = (text: string): void => {
      if (closed) return;
      raw.write(text);
      if (raw.writableLength > this.#limits.buffer_max_bytes) {
        this.#dropped += 1;
        close();
      }
    };
    const unsubscribe = this.#source.subscribe((event) => {
      if (matches(filter, event)) write(frame(event));
    });
    if (unsubscribe === null) return false;
    const heartbeat = setInterval(() => {
      write(": heartbeat\n\n");
    }, this.#limits.heartbeat_ms);
    heartbeat.unref();
    this.#open.add(raw);
    raw.on("close", close);
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    write(`retry: ${this.#limits.retry_ms}\n: sentinel-plane events\n\n`);
    const first = backlog[0];
    if (restarted) {
      write(`event: reset\ndata: ${JSON.stringify({ last_event_id })}\n\n`);
    } else if (last_event_id !== null && first !== undefined && first.id > last_event_id + 1) {
      // Ids are consecutive: the history no longer holds the ones in between.
      write(
        `event: gap\ndata: ${JSON.stringify({ missed_from: last_event_id + 1, missed_to: first.id - 1 })}\n\n`,
      );
    }
    for (const event of backlog) if (matches(filter, event)) write(frame(event));
    return true;
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const raw of [...this.#open]) {
      raw.end();
      raw.destroy();
    }
    this.#open.clear();
  }
}
