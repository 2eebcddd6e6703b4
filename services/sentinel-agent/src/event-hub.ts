// Every event the core emits goes out three ways: a JSON log line carrying Sentinel's text
// (`+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380`), a NATS message on
// `sp.<cluster>.events.<master>`, and local listeners (RESP pub/sub, REST stream). A bounded
// history keeps the latest events for resumable streams.
import type { SentinelEvent } from "@sentinel-plane/core";
import { eventsSubject, PROTOCOL_VERSION } from "@sentinel-plane/protocol";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";
import type { EventSink } from "@sentinel-plane/agent-shell";

export type EventListener = (event: WireEventMessage) => void;

export interface EventHubOptions {
  readonly cluster_id: string;
  readonly myid: string;
  readonly history_max: number;
  readonly listeners_max: number;
  readonly now_ms: () => number;
}

export class EventHub implements EventSink {
  readonly #options: EventHubOptions;
  readonly #logger: Logger;
  readonly #history: WireEventMessage[] = [];
  readonly #listeners = new Set<EventListener>();
  readonly #encoder = new TextEncoder();
  #nc: NatsConnection | null = null;
  #next_id = 1;

  constructor(options: EventHubOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
  }

  attach(nc: NatsConnection): void {
    this.#nc = nc;
  }

  emit(event: SentinelEvent): void {
    const message: WireEventMessage = {
      v: PROTOCOL_VERSION,
      type: "event",
      id: this.#next_id++,
      agent: this.#options.myid,
      time_ms: this.#options.now_ms(),
      name: event.name,
      level: event.level,
      master_name: event.master_name,
      text: event.text,
      epoch: event.epoch,
    };
    const line = `${event.name} ${event.text}`;
    const fields = { event: event.name, master: event.master_name, epoch: event.epoch, sentinel: true };
    if (event.level === "warning") this.#logger.warn(fields, line);
    else if (event.level === "notice") this.#logger.info(fields, line);
    else this.#logger.debug(fields, line);
    this.#history.push(message);
    if (this.#history.length > this.#options.history_max) this.#history.shift();
    if (this.#nc !== null) {
      try {
        // Agent-wide events (+tilt, -script-error...) go to the reserved "no master" token.
        this.#nc.publish(
          eventsSubject(this.#options.cluster_id, event.master_name ?? ""),
          this.#encoder.encode(JSON.stringify(message)),
        );
      } catch {
        // NATS closed or draining: the log line and local listeners still have it.
      }
    }
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch (error) {
        this.#logger.error({ err: error }, "event listener failed");
      }
    }
  }

  /** Registers a listener; returns the unsubscribe function, or null when at the bound. */
  subscribe(listener: EventListener): (() => void) | null {
    if (this.#listeners.size >= this.#options.listeners_max) return null;
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Events with an id greater than `after_id`, oldest first. */
  since(after_id: number): WireEventMessage[] {
    return this.#history.filter((e) => e.id > after_id);
  }
}
