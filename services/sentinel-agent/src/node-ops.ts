// Operator commands relayed to one data-node (issue 18): `reinit` (drop a replica's data, full
// resync) and `restart_reset` (end a crash loop). Sent as node commands at the master's config
// epoch: the data-node refuses a stale one, and these take no part in failovers.
import type { Address } from "@sentinel-plane/core";
import {
  decodeNodeCommandReply,
  encodeMessage,
  nodeCommandSubject,
  PROTOCOL_VERSION,
} from "@sentinel-plane/protocol";
import { errorMessage } from "@sentinel-plane/runtime";
import type { NatsConnection } from "@sentinel-plane/runtime";

export type NodeOp = "reinit" | "restart_reset" | "shutdown";

export type NodeOpOutcome =
  | { readonly ok: true; readonly node_id: string; readonly done: readonly string[] }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface NodeOpTarget {
  readonly cluster_id: string;
  readonly issuer: string;
  readonly epoch: number;
  readonly timeout_ms: number;
  /** The data-node beside `address` (from its status reports), null when none reports it. */
  readonly node_for: (address: Address) => string | null;
}

export async function sendNodeOp(
  nc: NatsConnection,
  target: NodeOpTarget,
  address: Address,
  op: NodeOp,
): Promise<NodeOpOutcome> {
  const node_id = target.node_for(address);
  if (node_id === null) {
    return {
      ok: false,
      code: "SP_ERR_UNAVAILABLE",
      message: `no data-node reports ${address.host}:${address.port}: ${op} needs one`,
    };
  }
  try {
    const msg = await nc.request(
      nodeCommandSubject(target.cluster_id, node_id),
      encodeMessage({
        v: PROTOCOL_VERSION,
        type: "node_command",
        epoch: target.epoch,
        issuer: target.issuer,
        command: { type: op },
      }),
      { timeout: target.timeout_ms },
    );
    const reply = decodeNodeCommandReply(msg.data);
    if (!reply.ok) return { ok: false, code: reply.error.code, message: reply.error.message };
    const value = reply.value;
    return value.ok
      ? { ok: true, node_id, done: value.done }
      : { ok: false, code: value.code, message: value.message };
  } catch (error) {
    return { ok: false, code: "SP_ERR_TIMEOUT", message: `${op} of ${node_id}: ${errorMessage(error)}` };
  }
}
