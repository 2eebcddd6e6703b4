// A data-node's wire status report as the core's NodeReport input: the overlapping subset, under
// the same names (the schema was written to match; see libs/protocol/src/schemas/node-status.ts).
import type { NodeReport } from "@sentinel-plane/core";
import type { NodeStatusReport } from "@sentinel-plane/protocol";

export function toNodeReport(status: NodeStatusReport): NodeReport {
  const base = {
    node_id: status.node_id,
    address: status.address,
    supervised: status.supervised,
    process: status.process,
    fenced: status.fenced,
    epoch: status.epoch,
    seq: status.seq,
    ...(status.data_lost === true ? { data_lost: true } : {}),
  };
  return status.info === undefined ? base : { ...base, info: status.info };
}
