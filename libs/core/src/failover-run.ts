// The only ways a failover run changes state or ends, checked against the table of states
// (failover-states.ts): `setState` moves it along an allowed transition and emits the state's entry
// event; `abortFailover` ends it with one `-failover-abort-*` event (lifting a fence of ours when
// told to); `endFailover` ends it and sets the retry from the ending's row. An illegal transition
// or ending is a bug and throws, as etcd/raft panics on "invalid transition [leader -> candidate]".
import { electionDelayMs } from "./election.js";
import { sendNodeCommand, withdrawRunCommands } from "./commands.js";
import { FAILOVER_ENDS, FAILOVER_STATES } from "./failover-states.js";
import type { FailoverAbortEvent, FailoverEndEvent } from "./failover-states.js";
import { masterSubject, slaveSubject } from "./out.js";
import type { Out } from "./out.js";
import type { FailoverRun, FailoverStateName, MasterState } from "./state.js";

/**
 * Moves the run to `next` (asserting the transition is allowed), then emits `next`'s entry event;
 * `args` follow its subject in the payload.
 */
export function setState(
  out: Out,
  master: MasterState,
  run: FailoverRun,
  next: FailoverStateName,
  args: readonly (string | number)[] = [],
): void {
  if (!FAILOVER_STATES[run.state].next.includes(next)) {
    throw new Error(`invalid failover transition [${run.state} -> ${next}] of ${master.name}`);
  }
  const spec = FAILOVER_STATES[next];
  let subject = masterSubject(master);
  if (spec.entry_subject === "selected") {
    if (run.selected === null) throw new Error(`failover state ${next} without a selected replica`);
    subject = slaveSubject(master, run.selected);
  }
  run.state = next;
  run.state_since_ms = out.state.now_ms;
  out.event(spec.entry_event, master, subject, args);
}

export function failoverBackoffMs(master: MasterState): number {
  return 2 * master.settings.failover_timeout_ms;
}

/**
 * Ends (aborts or completes) the running failover with `end`, whose event the caller emitted;
 * the next one waits per the ending's retry. Its fence and promote commands still in flight are
 * withdrawn (commands.ts): none may be sent late.
 */
export function endFailover(out: Out, master: MasterState, end: FailoverEndEvent): void {
  const run = master.failover;
  if (run === null) throw new Error(`endFailover (${end}) without a failover of ${master.name}`);
  assertEnding(master, run, end);
  withdrawRunCommands(out.state, master, run.epoch);
  master.failover = null;
  const wait_ms =
    FAILOVER_ENDS[end].retry === "fast" ? electionDelayMs(out, master) : failoverBackoffMs(master);
  master.failover_retry_after_ms = out.state.now_ms + wait_ms;
  for (const link of master.replicas.values()) link.reconf = "none";
}

/**
 * Aborts the running failover: the event (`args` follow the master in its payload), then, with
 * `lift_fence`, `unfence` of the old primary at the run's epoch (nothing was promoted; repeated by
 * reconcile.ts if lost), then the end of the run.
 */
export function abortFailover(
  out: Out,
  master: MasterState,
  name: FailoverAbortEvent,
  args: readonly (string | number)[] = [],
  lift_fence = false,
): void {
  const run = master.failover;
  if (run === null) throw new Error(`abortFailover (${name}) without a failover of ${master.name}`);
  assertEnding(master, run, name);
  if (lift_fence && (run.state === "send-slaveof-noone" || run.promote_command_id !== null)) {
    throw new Error("abortFailover: a fence lifted after a promotion was sent");
  }
  out.event(name, master, masterSubject(master), args);
  if (lift_fence) liftFence(out, master, run);
  endFailover(out, master, name);
}

function assertEnding(master: MasterState, run: FailoverRun, end: FailoverEndEvent): void {
  if (!FAILOVER_STATES[run.state].ends.includes(end)) {
    throw new Error(`invalid failover ending [${run.state} -> ${end}] of ${master.name}`);
  }
}

function liftFence(out: Out, master: MasterState, run: FailoverRun): void {
  sendNodeCommand(out, master, run.old_primary, run.epoch, { type: "unfence" }, "fix");
  master.unfence = { epoch: run.epoch, report_seq: master.link.report_seq, attempts: 1 };
  master.link.last_fix_ms = out.state.now_ms; // reconcile.ts repeats it only after a fix period
}
