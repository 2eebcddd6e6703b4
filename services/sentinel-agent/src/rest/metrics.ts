// Prometheus metrics (/metrics) through prom-client, in a registry of this agent's own (several
// agents may share a process in tests). Fed from this agent's events (failovers it led, SDOWN and
// ODOWN transitions, every event by name), from the probe hook the service calls, from request
// timings, and from the core's state at scrape time. Label values are bounded: event names come
// from the core's table, anything else folds into "other".
import { EVENTS, failoverOutcomeCompleted } from "@sentinel-plane/core";
import type { AgentState } from "@sentinel-plane/core";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Failover } from "./schemas.js";

const KNOWN_EVENTS: ReadonlySet<string> = new Set(Object.keys(EVENTS));

/** Seconds; probes are sub-millisecond on a LAN and time out at 500 ms. */
const PROBE_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const REQUEST_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const FAILOVER_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 180];

export class RestMetrics {
  readonly registry = new Registry();
  readonly #events: Counter<"event">;
  readonly #transitions: Counter<"event" | "instance">;
  readonly #failovers: Counter<"master" | "outcome">;
  readonly #blocked: Counter<"master" | "reason">;
  readonly #failover_duration: Histogram<"outcome">;
  readonly #failover_last: Gauge<"master">;
  readonly #probe: Histogram<"kind" | "ok" | "instance">;
  readonly #requests: Histogram<"method" | "route" | "status">;
  #state: (() => AgentState) | null = null;

  constructor() {
    const registers = [this.registry];
    this.#events = new Counter({
      name: "sp_events_total",
      help: "Sentinel events this agent emitted, by name.",
      labelNames: ["event"],
      registers,
    });
    this.#transitions = new Counter({
      name: "sp_down_transitions_total",
      help: "+sdown/-sdown/+odown/-odown events of this agent, by name and instance type.",
      labelNames: ["event", "instance"],
      registers,
    });
    // Every agent counts every failover, not only the one that led it: "end" from the committed
    // topology (each agent's +switch-master, emitted when it adopts the new primary), the other
    // outcomes from the failover history, which holds every agent's events (NATS).
    this.#failovers = new Counter({
      name: "sp_failovers_total",
      help: "Failovers of the master by outcome: end (a new primary committed), or the abort reason (not-elected, no-good-slave, ..., of any agent's attempt).",
      labelNames: ["master", "outcome"],
      registers,
    });
    this.#blocked = new Counter({
      name: "sp_failovers_blocked_total",
      help: "Automatic failovers this agent did not start (once per ODOWN): reason paused (maintenance mode) or flapping (within failover-block-period of the last one).",
      labelNames: ["master", "reason"],
      registers,
    });
    this.#failover_duration = new Histogram({
      name: "sp_failover_duration_seconds",
      help: "From +try-failover to the failover's end, for every agent's failovers.",
      labelNames: ["outcome"],
      buckets: FAILOVER_BUCKETS_S,
      registers,
    });
    this.#failover_last = new Gauge({
      name: "sp_failover_last_duration_seconds",
      help: "Duration of the master's last completed failover (+try-failover to +failover-end).",
      labelNames: ["master"],
      registers,
    });
    this.#probe = new Histogram({
      name: "sp_probe_latency_seconds",
      help: "PING/INFO round trips to Redis instances, by instance (host:port).",
      labelNames: ["kind", "ok", "instance"],
      buckets: PROBE_BUCKETS_S,
      registers,
    });
    this.#requests = new Histogram({
      name: "sp_http_request_duration_seconds",
      help: "REST request durations, by method, route pattern and status.",
      labelNames: ["method", "route", "status"],
      buckets: REQUEST_BUCKETS_S,
      registers,
    });
    this.#stateGauges(registers);
  }

  /** Gives the scrape-time gauges their source (the agent's state). */
  bindState(_myid: string, state: () => AgentState): void {
    this.#state = state;
  }

  /** An event of this agent. */
  observeEvent(event: WireEventMessage): void {
    const name = KNOWN_EVENTS.has(event.name) ? event.name : "other";
    this.#events.inc({ event: name });
    if (name === "+sdown" || name === "-sdown" || name === "+odown" || name === "-odown") {
      const instance = event.text.split(" ")[0] ?? "";
      const kind = ["master", "slave", "sentinel"].includes(instance) ? instance : "other";
      this.#transitions.inc({ event: name, instance: kind });
    }
    if (name === "+switch-master" && event.master_name !== null)
      this.#failovers.inc({ master: event.master_name, outcome: "end" });
    if (name.startsWith("+failover-blocked-") && event.master_name !== null)
      this.#blocked.inc({ master: event.master_name, reason: name.slice("+failover-blocked-".length) });
  }

  /** A failover ended (from the history: any agent's). A completed one counted on +switch-master. */
  observeFailover(failover: Failover): void {
    const completed = failoverOutcomeCompleted(failover.outcome);
    if (!completed) this.#failovers.inc({ master: failover.master, outcome: failover.outcome });
    if (failover.duration_ms === null) return;
    this.#failover_duration.observe({ outcome: failover.outcome }, failover.duration_ms / 1000);
    if (completed) this.#failover_last.set({ master: failover.master }, failover.duration_ms / 1000);
  }

  /** The probe hook: called by the service around every probe. */
  probeLatency(kind: "ping" | "info", ok: boolean, latency_ms: number, instance: string): void {
    this.#probe.observe({ kind, ok: String(ok), instance }, latency_ms / 1000);
  }

  observeRequest(method: string, route: string, status: number, duration_ms: number): void {
    this.#requests.observe({ method, route, status: String(status) }, duration_ms / 1000);
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #stateGauges(registers: Registry[]): void {
    const stateOf = (): AgentState | undefined => this.#state?.();
    new Gauge({
      name: "sp_masters",
      help: "Masters this agent monitors.",
      registers,
      collect() {
        const state = stateOf();
        this.set(state === undefined ? 0 : state.masters.size);
      },
    });
    const perMaster = (
      name: string,
      help: string,
      value: (m: AgentState["masters"] extends Map<string, infer M> ? M : never) => number,
    ): void => {
      new Gauge({
        name,
        help,
        labelNames: ["master"],
        registers,
        collect() {
          this.reset();
          const state = stateOf();
          if (state === undefined) return;
          for (const m of state.masters.values()) this.set({ master: m.name }, value(m));
        },
      });
    };
    perMaster("sp_master_config_epoch", "The master's config epoch.", (m) => m.config_epoch);
    perMaster("sp_master_sdown", "1 while this agent sees the primary subjectively down.", (m) =>
      m.link.sdown ? 1 : 0,
    );
    perMaster("sp_master_odown", "1 while the primary is objectively down.", (m) => (m.odown ? 1 : 0));
    perMaster("sp_master_failover_in_progress", "1 while this agent runs a failover of it.", (m) =>
      m.failover === null ? 0 : 1,
    );
    perMaster("sp_master_replicas", "Replicas known for the master.", (m) => m.replicas.size);
    perMaster(
      "sp_master_agents",
      "Agents monitoring the master, this one included.",
      (m) => m.agents.size + 1,
    );
    new Gauge({
      name: "sp_current_epoch",
      help: "This agent's current epoch.",
      registers,
      collect() {
        this.set(stateOf()?.current_epoch ?? 0);
      },
    });
  }
}
