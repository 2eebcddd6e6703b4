// What this process knows of one master's committed topology, and what a newly read record means
// for it. Pure: the loop feeds every record it reads or is sent and acts on the observation.
// A record never moves a master backwards: an older epoch (a stale writer, a replayed value) or a
// second primary for an epoch already seen is ignored, so such a record cannot take a VIP back.
import assert from "node:assert/strict";
import { sameAddress } from "@sentinel-plane/core";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** The newest record seen for a master. */
export interface MasterView {
  readonly config_epoch: number;
  readonly primary: Endpoint;
  /** KV revision it came with. */
  readonly revision: number;
}

export interface ObservedRecord {
  readonly config_epoch: number;
  readonly primary: Endpoint;
  readonly revision: number;
}

export type Observation =
  /** The first record this process sees for the master: no change to report. */
  | { readonly kind: "baseline" }
  /** A newer epoch with another primary: a committed failover or switchover. */
  | { readonly kind: "primary_changed"; readonly from: Endpoint; readonly to: Endpoint }
  /** A newer epoch, same primary (e.g. a failover that re-elected it, or a replica change). */
  | { readonly kind: "epoch_advanced" }
  | { readonly kind: "unchanged" }
  | { readonly kind: "stale_epoch"; readonly seen_epoch: number }
  | { readonly kind: "conflicting_primary"; readonly seen_primary: Endpoint };

export interface FollowResult {
  readonly view: MasterView;
  readonly observation: Observation;
}

/** Endpoints compare as addresses do everywhere (libs/core address.ts). */
export const sameEndpoint: (a: Endpoint, b: Endpoint) => boolean = sameAddress;

export function observeRecord(view: MasterView | null, record: ObservedRecord): FollowResult {
  assert.ok(Number.isInteger(record.config_epoch) && record.config_epoch >= 0);
  const adopted: MasterView = {
    config_epoch: record.config_epoch,
    primary: record.primary,
    revision: record.revision,
  };
  if (view === null) return { view: adopted, observation: { kind: "baseline" } };
  if (record.config_epoch < view.config_epoch) {
    return { view, observation: { kind: "stale_epoch", seen_epoch: view.config_epoch } };
  }
  if (record.config_epoch === view.config_epoch) {
    if (!sameEndpoint(record.primary, view.primary)) {
      return { view, observation: { kind: "conflicting_primary", seen_primary: view.primary } };
    }
    // Same content; keep the highest revision seen (a rewrite of the same record).
    const revision = Math.max(view.revision, record.revision);
    return { view: { ...view, revision }, observation: { kind: "unchanged" } };
  }
  if (sameEndpoint(record.primary, view.primary)) {
    return { view: adopted, observation: { kind: "epoch_advanced" } };
  }
  return { view: adopted, observation: { kind: "primary_changed", from: view.primary, to: record.primary } };
}
