// Commands to data-nodes: each carries an epoch (the data-node refuses one older than it accepted)
// and is remembered until its result arrives (agent.ts: onCommandResult) or expires.
import { nextId } from "./state.js";
import type { InstanceLink, MasterState, PendingCommand } from "./state.js";
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
