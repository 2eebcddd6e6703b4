// Building the status report and deciding when to publish it: pure functions of what the
// data-node observed (status-reporter.ts keeps the state they read; the data-node and the
// simulator both run it). Offsets move all the time, so they go out with the periodic report; a
// change of role, primary, link, process state, fence, epoch or replica set goes out at once.
import type { RedisInfo } from "@sentinel-plane/core";
import type { NodeStatusReport, WireProcessState, WireRedisInfo } from "@sentinel-plane/protocol";
import type { AcceptedEpoch } from "@sentinel-plane/core/data-node";
import { isFenced } from "@sentinel-plane/core/data-node";
import type { Observed } from "./ports.js";

/** What the last probe of the redis-server saw. */
export interface Observation {
  /** null: never probed yet. */
  readonly answered: boolean | null;
  readonly info: RedisInfo | null;
  readonly min_replicas_to_write: number | null;
  /** The server's config file (INFO server `config_file`), "" when started without one. */
  readonly config_file: string | null;
  /** Keys over all databases, and whether an RDB/AOF is still loading (absent: not probed). */
  readonly keys?: number;
  readonly loading?: boolean;
  readonly error: string | null;
}

export const NO_OBSERVATION: Observation = {
  answered: null,
  info: null,
  min_replicas_to_write: null,
  config_file: null,
  error: null,
};

/** The part of an observation the lease and self-fence loop reads (loop.ts, commands.ts). */
export function observedOf(observation: Observation): Observed {
  return {
    answered: observation.answered,
    role: observation.info?.role ?? null,
    min_replicas_to_write: observation.min_replicas_to_write,
    config_file: observation.config_file,
  };
}

/** What the supervisor knows about the child (supervise mode only). */
export type ChildState =
  | { readonly state: "running" }
  | { readonly state: "exited"; readonly code: number | null; readonly signal: string | null };

export interface StatusInputs {
  readonly cluster_id: string;
  readonly node_id: string;
  readonly address: { readonly host: string; readonly port: number };
  /** null in attach mode. */
  readonly child: ChildState | null;
  readonly observation: Observation;
  readonly accepted: AcceptedEpoch;
  readonly link_down_since_ms: number | null;
  readonly last_error: string | null;
  readonly seq: number;
  readonly now_ms: number;
}

/** An exited child wins over any probe; otherwise the probe decides. */
export function processState(child: ChildState | null, observation: Observation): WireProcessState {
  if (child?.state === "exited") return { state: "exited", code: child.code, signal: child.signal };
  if (observation.answered === null) return { state: "unknown" };
  return observation.answered ? { state: "running" } : { state: "not_answering" };
}

function wireInfo(info: RedisInfo): WireRedisInfo {
  return { ...info, replicas: info.replicas.map((replica) => ({ ...replica })) };
}

export function buildStatus(inputs: StatusInputs): NodeStatusReport {
  const process = processState(inputs.child, inputs.observation);
  const info = process.state === "running" ? inputs.observation.info : null;
  const status: NodeStatusReport = {
    v: 1,
    type: "node_status",
    cluster_id: inputs.cluster_id,
    node_id: inputs.node_id,
    seq: inputs.seq,
    sent_at_ms: inputs.now_ms,
    address: { host: inputs.address.host, port: inputs.address.port },
    supervised: inputs.child !== null,
    process,
    fenced: isFenced(inputs.observation.min_replicas_to_write),
    epoch: inputs.accepted.epoch,
    epoch_issuer: inputs.accepted.issuer,
    link_down_ms:
      inputs.link_down_since_ms === null ? null : Math.max(0, inputs.now_ms - inputs.link_down_since_ms),
    last_error: inputs.last_error,
  };
  return info === null ? status : { ...status, info: wireInfo(info) };
}

/** When the link to the primary went down, as this data-node saw it (null = up or a master). */
export function nextLinkDownSince(
  previous_ms: number | null,
  info: RedisInfo | null,
  now_ms: number,
): number | null {
  if (info === null) return previous_ms; // not answering: we do not know
  if (info.role !== "slave" || info.master_link_status !== "down") return null;
  return previous_ms ?? now_ms;
}

/** The fields whose change is published at once (everything but offsets, times and seq). */
export function significantFields(status: NodeStatusReport): string {
  const info = status.info;
  return JSON.stringify([
    status.process,
    status.fenced,
    status.epoch,
    status.epoch_issuer,
    status.address,
    info?.role ?? null,
    info?.master_host ?? null,
    info?.master_port ?? null,
    info?.master_link_status ?? null,
    info?.slave_read_only ?? null,
    info?.replica_priority ?? null,
    info?.run_id ?? null,
    info?.replid ?? null,
    (info?.replicas ?? []).map((r) => `${r.host}:${r.port}:${r.state}`).sort(),
  ]);
}

export function changedSignificantly(previous: NodeStatusReport | null, next: NodeStatusReport): boolean {
  return previous === null || significantFields(previous) !== significantFields(next);
}
