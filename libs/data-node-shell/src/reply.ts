// Replies to commands, pure. Field names follow the core's NodeCommandResult
// (`ok`, `role`, `offset` / `ok`, `code`, `message`).
import type { NodeCommandReply, NodeCommandType, NodeStatusReport, SpError } from "@sentinel-plane/protocol";
import type { AcceptedEpoch } from "@sentinel-plane/core/data-node";

export function errorReply(node_id: string, accepted: AcceptedEpoch, error: SpError): NodeCommandReply {
  return {
    v: 1,
    type: "node_command_reply",
    node_id,
    epoch: accepted.epoch,
    epoch_issuer: accepted.issuer,
    ok: false,
    code: error.code,
    message: error.message,
  };
}

export interface Outcome {
  readonly command: NodeCommandType;
  readonly done: readonly string[];
  readonly status: NodeStatusReport;
  /** Whether to attach the whole status (the `status` command). */
  readonly include_status: boolean;
}

/** A success reply; role and offset come from the status read after the command. */
export function okReply(node_id: string, accepted: AcceptedEpoch, outcome: Outcome): NodeCommandReply | null {
  const info = outcome.status.info;
  if (info === undefined) return null; // the caller turns this into SP_ERR_REDIS_UNAVAILABLE
  const reply: NodeCommandReply = {
    v: 1,
    type: "node_command_reply",
    node_id,
    epoch: accepted.epoch,
    epoch_issuer: accepted.issuer,
    ok: true,
    command: outcome.command,
    done: [...outcome.done],
    role: info.role,
    offset: info.master_repl_offset,
    fenced: outcome.status.fenced,
  };
  return outcome.include_status ? { ...reply, status: outcome.status } : reply;
}
