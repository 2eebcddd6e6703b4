// Commands to data-nodes: each carries an epoch (the data-node refuses one older than it accepted)
// and is remembered until its result arrives (agent.ts: onCommandResult) or expires.
import { nextId } from "./state.js";
import type { AgentState, InstanceLink, MasterState, PendingCommand } from "./state.js";
import type { Out } from "./out.js";
import type { Address, NodeCommand } from "./types.js";

export function sendNodeCommand(
  out: Out,
  master: MasterState,
  target: Address,
  epoch: number,
  command: NodeCommand,
  purpose: PendingCommand["purpose"],
): number {
  const state = out.state;
  const command_id = nextId(state);
  state.commands.set(command_id, {
    sent_ms: state.now_ms,
    master: master.name,
    address: target,
    command,
    epoch,
    purpose,
  });
  out.push({
    type: "node_command",
    command_id,
    target,
    epoch,
    command,
    timeout_ms: 4 * state.timing.probe_timeout_ms,
  });
  return command_id;
}

/**
 * Whether a command is still wanted: it is pending (no result yet) and was not withdrawn. The
 * shell asks before a late send (the direct-Redis fallback after a data-node timeout): a fence
 * sent after its failover aborted, or a promote after its failover ended, would undo the abort.
 */
export function commandWanted(state: AgentState, command_id: number): boolean {
  return state.commands.has(command_id);
}

/**
 * A failover ended (aborted or complete): its fence and promote commands still in flight are
 * withdrawn. Their results are ignored, and a late send of them is dropped (commandWanted).
 */
export function withdrawRunCommands(state: AgentState, master: MasterState, epoch: number): void {
  for (const [command_id, pending] of state.commands) {
    if (pending.master !== master.name || pending.epoch !== epoch) continue;
    if (pending.purpose === "fence" || pending.purpose === "promote") state.commands.delete(command_id);
  }
}

/** Points `link` at the master's current primary. */
export function sendReplicaof(
  out: Out,
  master: MasterState,
  link: InstanceLink,
  epoch: number,
  purpose: "reconf" | "fix",
): void {
  const command: NodeCommand = { type: "replicaof", host: master.address.host, port: master.address.port };
  sendNodeCommand(out, master, link.address, epoch, command, purpose);
}
