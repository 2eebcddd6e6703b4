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
  const timeout_ms = 4 * state.timing.probe_timeout_ms;
  state.commands.set(command_id, {
    sent_ms: state.now_ms,
    sent_wall_ms: state.wall_ms,
    timeout_ms,
    master: master.name,
    address: target,
    command,
    epoch,
    purpose,
  });
  out.push({ type: "node_command", command_id, target, epoch, command, timeout_ms });
  return command_id;
}

/**
 * How late after its send (shell clock) a command may still go out directly: its data-node
 * timeout plus one probe timeout of scheduling slack.
 */
export function lateSendWindowMs(state: AgentState, pending: PendingCommand): number {
  return pending.timeout_ms + state.timing.probe_timeout_ms;
}

/**
 * Whether a command is still wanted: it is pending (no result yet) and was not withdrawn. The
 * shell asks before a late send (the direct-Redis fallback after a data-node timeout), with its
 * clock now: a fence sent after its failover aborted, or a promote after its failover ended, would
 * undo the abort. A direct command has no epoch for Redis to check, so it also goes only while
 * the agent is acting (not in TILT) and within lateSendWindowMs of its send. An agent stalled
 * past that (SIGSTOP right after +elected-leader, resumed 5 s later: the data-node's reply to its
 * promote still unread, the request timer fired first) cannot know what the others did meanwhile:
 * its direct promote reached the primary a newer failover had made writable, and its CLIENT KILL
 * cut every client of it 2 s after the failover (issue 13, stop-leader); aimed at a node that had
 * become a replica, its REPLICAOF NO ONE and min-replicas-to-write 0 would have made a second
 * writable primary.
 */
export function commandWanted(state: AgentState, command_id: number, wall_ms: number): boolean {
  const pending = state.commands.get(command_id);
  if (pending === undefined || state.tilt) return false;
  return wall_ms - pending.sent_wall_ms <= lateSendWindowMs(state, pending);
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
