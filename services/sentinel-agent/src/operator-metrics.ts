// The gauges an operator alerts on, read from the agent's state at scrape time, on every agent
// (not only a leader): per master up and the replicas that answer, per replica up, link and lag,
// the agent's NATS connection, and prom-client's process/runtime metrics. They join the agent's
// one Prometheus registry (rest/metrics.ts); names and units are listed in README ("Metrics").
import { isAnswering, operatorView } from "@sentinel-plane/core";
import type { AgentState, InstanceLink, MasterState } from "@sentinel-plane/core";
import type { NatsConnection } from "@sentinel-plane/runtime";
import { collectDefaultMetrics, Gauge } from "prom-client";
import type { Registry } from "prom-client";
import { lagOf } from "./rest/views.js";

/** Answering (a reply within the detection window), not SDOWN, not reported exited. */
export function instanceUp(state: AgentState, master: MasterState, link: InstanceLink): boolean {
  return isAnswering(state, master, link) && !link.sdown && !link.exited;
}

export interface OperatorMetricsSource {
  readonly state: () => AgentState | undefined;
  readonly nats_connected: () => boolean;
  /** The committed-topology store (JetStream KV): its watch and the bucket's replicas. */
  readonly topology?: () => {
    readonly watching: boolean;
    readonly replicas_configured: number | null;
    readonly replicas_actual: number | null;
  };
}

type ReplicaLabels = "master" | "replica";

function replicaGauge(
  registry: Registry,
  source: OperatorMetricsSource,
  name: string,
  help: string,
  value: (state: AgentState, master: MasterState, link: InstanceLink) => number | null,
): void {
  new Gauge<ReplicaLabels>({
    name,
    help,
    labelNames: ["master", "replica"],
    registers: [registry],
    collect() {
      this.reset();
      const state = source.state();
      if (state === undefined) return;
      for (const master of state.masters.values()) {
        for (const [key, link] of master.replicas) {
          const v = value(state, master, link);
          if (v !== null) this.set({ master: master.name, replica: key }, v);
        }
      }
    },
  });
}

function masterGauge(
  registry: Registry,
  source: OperatorMetricsSource,
  name: string,
  help: string,
  value: (state: AgentState, master: MasterState) => number,
): void {
  new Gauge<"master">({
    name,
    help,
    labelNames: ["master"],
    registers: [registry],
    collect() {
      this.reset();
      const state = source.state();
      if (state === undefined) return;
      for (const master of state.masters.values()) this.set({ master: master.name }, value(state, master));
    },
  });
}

export function registerOperatorMetrics(registry: Registry, source: OperatorMetricsSource): void {
  collectDefaultMetrics({ register: registry });
  // Registration order is exposition order: kept as it was when these were one function.
  masterHealthGauges(registry, source);
  replicaGauges(registry, source);
  maintenanceGauges(registry, source);
  agentGauges(registry, source);
}

/** Per master: the primary up, and how many of its replicas answer. */
function masterHealthGauges(registry: Registry, source: OperatorMetricsSource): void {
  masterGauge(registry, source, "sp_master_up", "1 while the primary answers this agent's probes.", (s, m) =>
    instanceUp(s, m, m.link) ? 1 : 0,
  );
  masterGauge(
    registry,
    source,
    "sp_master_replicas_up",
    "Replicas of the master that answer (a stopped or killed one does not count).",
    (s, m) => [...m.replicas.values()].filter((link) => instanceUp(s, m, link)).length,
  );
}

/** Per replica: up, its replication link, and its lag in bytes and seconds. */
function replicaGauges(registry: Registry, source: OperatorMetricsSource): void {
  replicaGauge(
    registry,
    source,
    "sp_replica_up",
    "1 while the replica answers this agent's probes.",
    (s, m, l) => (instanceUp(s, m, l) ? 1 : 0),
  );
  replicaGauge(
    registry,
    source,
    "sp_replica_link_up",
    "1 while the replica reports its replication link up (INFO master_link_status).",
    (_s, _m, l) => (l.info === null ? null : l.info.master_link_status === "up" ? 1 : 0),
  );
  replicaGauge(
    registry,
    source,
    "sp_replica_lag_bytes",
    "The primary's replication offset minus the replica's.",
    (_s, m, l) => lagOf(m, l).bytes,
  );
  replicaGauge(
    registry,
    source,
    "sp_replica_lag_seconds",
    "Seconds since the replica last acknowledged the primary (the primary's INFO lag).",
    (_s, m, l) => lagOf(m, l).s,
  );
}

/** Per master, the operator's gate: maintenance mode, its expiry, the anti-flapping block. */
function maintenanceGauges(registry: Registry, source: OperatorMetricsSource): void {
  masterGauge(
    registry,
    source,
    "sp_master_paused",
    "1 while the master is in maintenance mode (no automatic failover; libs/core maintenance.ts).",
    (s, m) => (operatorView(s, m).paused ? 1 : 0),
  );
  masterGauge(
    registry,
    source,
    "sp_master_pause_expiry_seconds",
    "Seconds until the master's pause expires (0 when not paused).",
    (s, m) => secondsUntil(s, operatorView(s, m).paused ? (m.operator.pause?.until_unix_ms ?? null) : null),
  );
  masterGauge(
    registry,
    source,
    "sp_master_failover_block_seconds",
    "Seconds left of the anti-flapping block after the last automatic failover (0: none or acknowledged).",
    (s, m) => secondsUntil(s, operatorView(s, m).failover_blocked_until_unix_ms),
  );
}

/** The agent itself: its NATS connection and, when it has one, the committed-topology store. */
function agentGauges(registry: Registry, source: OperatorMetricsSource): void {
  new Gauge({
    name: "sp_nats_connected",
    help: "1 while the agent's NATS connection is up.",
    registers: [registry],
    collect() {
      this.set(source.nats_connected() ? 1 : 0);
    },
  });
  const topology = source.topology;
  if (topology === undefined) return;
  new Gauge({
    name: "sp_topology_watching",
    help: "1 while the agent follows the committed topology (its JetStream KV watch runs).",
    registers: [registry],
    collect() {
      this.set(topology().watching ? 1 : 0);
    },
  });
  new Gauge<"kind">({
    name: "sp_topology_bucket_replicas",
    help: "Replicas of the topology bucket: configured (wanted) and actual; absent until known.",
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      this.reset();
      const health = topology();
      if (health.replicas_configured !== null) this.set({ kind: "configured" }, health.replicas_configured);
      if (health.replicas_actual !== null) this.set({ kind: "actual" }, health.replicas_actual);
    },
  });
}

/** Whole seconds from the state's wall clock to `unix_ms` (0: none, past, or no clock yet). */
function secondsUntil(state: AgentState, unix_ms: number | null): number {
  if (unix_ms === null || state.unix_ms === null) return 0;
  return Math.max(0, Math.ceil((unix_ms - state.unix_ms) / 1000));
}

/** Follows a NATS connection's status: connected until a disconnect, again after a reconnect. */
export function natsConnectedFlag(nc: NatsConnection): () => boolean {
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") connected = false;
      else if (status.type === "reconnect") connected = true;
    }
    connected = false;
  })();
  return () => connected && !nc.isClosed();
}
