// THE table of events: every event name the core emits, with Sentinel's log level, its meaning and
// its payload format. Names and payloads are Redis Sentinel's (src/sentinel.c, sentinelEvent):
// operators grep for them and clients subscribe to them. Events that Sentinel does not have are
// marked `ours: true`.
//
// Payload formats use sentinel.c's printf-like templates:
//   %@  the instance: `master <name> <ip> <port>`, or for replicas and sentinels
//       `slave <ip>:<port> <ip> <port> @ <master-name> <master-ip> <master-port>` and
//       `sentinel <id> <ip> <port> @ <master-name> <master-ip> <master-port>`
//   %s / %d  the next argument, in order.
import type { Address, SentinelEvent } from "./types.js";

export type EventLevel = "warning" | "notice" | "verbose";

export interface EventSpec {
  /** Sentinel's log level (`#` warning, `*` notice, `-` verbose). */
  readonly level: EventLevel;
  /** sentinel.c's format string. */
  readonly format: string;
  readonly meaning: string;
  /** True for events that Redis Sentinel does not emit. */
  readonly ours?: true;
}

export const EVENTS = {
  // Configuration and discovery
  "+monitor": { level: "warning", format: "%@ quorum %d", meaning: "A master is now monitored." },
  "-monitor": { level: "warning", format: "%@", meaning: "A master is no longer monitored." },
  "+set": { level: "warning", format: "%@ %s %s", meaning: "A master's setting was changed." },
  "+reset-master": { level: "warning", format: "%@", meaning: "A master's state was reset." },
  "+slave": { level: "notice", format: "%@", meaning: "A new replica was discovered." },
  "+sentinel": { level: "notice", format: "%@", meaning: "A new agent was discovered." },
  "-slave": {
    level: "warning",
    format: "%@ #not seen for %d ms",
    meaning: "A replica unseen for longer than forget-after was forgotten (forget.ts).",
    ours: true,
  },
  "-sentinel": {
    level: "warning",
    format: "%@ #not seen for %d ms",
    meaning: "An agent unseen for longer than forget-after was forgotten (forget.ts).",
    ours: true,
  },
  "-dup-sentinel": {
    level: "notice",
    format: "%@ #duplicate of %s:%d or %s",
    meaning: "An agent with the same address or id was replaced (restarted with a new id).",
  },
  "+reboot": { level: "notice", format: "%@", meaning: "The instance restarted (its run_id changed)." },
  "+role-change": {
    level: "verbose",
    format: "%@ new reported role is %s",
    meaning: "The instance now reports the role our configuration gives it.",
  },
  "-role-change": {
    level: "verbose",
    format: "%@ new reported role is %s",
    meaning: "The instance reports a role different from the one our configuration gives it.",
  },
  // Failure detection
  "+sdown": { level: "warning", format: "%@", meaning: "Subjectively down: no valid reply in time." },
  "-sdown": { level: "warning", format: "%@", meaning: "No longer subjectively down." },
  "+odown": {
    level: "warning",
    format: "%@ #quorum %d/%d",
    meaning: "Objectively down: enough agents (itself included) see the master down.",
  },
  "-odown": { level: "warning", format: "%@", meaning: "No longer objectively down." },
  "+tilt": { level: "warning", format: "#tilt mode entered", meaning: "Clock anomaly: acting suspended." },
  "-tilt": { level: "warning", format: "#tilt mode exited", meaning: "TILT period over: acting again." },
  // Election
  "+new-epoch": { level: "warning", format: "%d", meaning: "The current epoch was raised." },
  "-epoch-refused": {
    level: "warning",
    format: "#from %s epoch %d current %d max-step %d",
    meaning:
      "A peer message, topology record or data-node report carried an epoch more than max-step " +
      "above the current epoch: refused as forged or corrupt, nothing adopted (epoch-guard.ts).",
    ours: true,
  },
  "+try-failover": {
    level: "warning",
    format: "%@",
    meaning: "This agent is a candidate to lead a failover.",
  },
  "+vote-for-leader": {
    level: "warning",
    format: "%s %d",
    meaning: "This agent gave its (single) vote for the epoch to the named agent.",
  },
  "+elected-leader": {
    level: "warning",
    format: "%@",
    meaning: "This agent won the election for its epoch.",
  },
  "-failover-abort-not-elected": {
    level: "warning",
    format: "%@",
    meaning: "Not elected within the randomised election timeout.",
  },
  // Failover state machine
  "+failover-state-select-slave": {
    level: "warning",
    format: "%@",
    meaning: "Choosing the replica to promote.",
  },
  "+selected-slave": { level: "warning", format: "%@", meaning: "The replica to promote was chosen." },
  "-failover-abort-no-good-slave": {
    level: "warning",
    format: "%@",
    meaning: "No replica qualifies for promotion.",
  },
  // Promotion limits (ours, promotion-limit.ts; Patroni's maximum_lag_on_failover).
  "-failover-abort-lagging-slaves": {
    level: "warning",
    format: "%@ #epoch %d #lag-bytes %s #lag-ms %s",
    meaning:
      "Replicas qualify but none is within max-promotion-lag-bytes / max-promotion-lag-ms of the " +
      "old primary's last known offset (the lag given is the best one's; `unknown` when it " +
      "cannot be told): nothing is promoted rather than a stale replica; an old primary this " +
      "failover fenced is unfenced (same epoch); the next attempt waits 2 x failover-timeout. " +
      "A forced manual failover promotes anyway.",
    ours: true,
  },
  "+promotion-lag-forced": {
    level: "warning",
    format: "%@ #lag-bytes %s #lag-ms %s",
    meaning:
      "A forced manual failover selected this replica although it is beyond max-promotion-lag: " +
      "the writes it lacks are lost.",
    ours: true,
  },
  // The coordinated switchover (ours, switchover.ts): a manual failover with a reachable primary.
  "+failover-state-fence-old-master": {
    level: "warning",
    format: "%@ #epoch %d",
    meaning:
      "Fencing the old primary (writes refused) with the failover epoch before anything is " +
      "promoted. A manual failover with a reachable primary then waits for the chosen replica " +
      "to catch up, so that no acknowledged write is lost; any other failover promotes at " +
      "`+old-primary-fenced` (ADR 0001).",
    ours: true,
  },
  // Fence before promote (ours, ADR 0001): every failover but a switchover and a reassert.
  "+old-primary-fenced": {
    level: "warning",
    format: "%@ #%s #epoch %d",
    meaning:
      "The old primary can no longer acknowledge a write at the failover epoch, so the replica " +
      "may be promoted: `ack` its data-node confirmed the fence, `exited` its supervised process " +
      "is gone, `lease-expired` its write lease has certainly run out (docs/adr/0001-write-lease.md).",
    ours: true,
  },
  "+failover-state-wait-catchup": {
    level: "notice",
    format: "%@ #offset %d",
    meaning:
      "The old primary is fenced at this replication offset; waiting for the chosen replica to " +
      "reach it (bounded: the smaller of failover-timeout and max(down-after, 4 INFO periods)).",
    ours: true,
  },
  "-failover-abort-catchup-timeout": {
    level: "warning",
    format: "%@ #epoch %d",
    meaning:
      "The old primary could not be fenced, or the chosen replica did not catch up, in time: " +
      "nothing was promoted and the old primary is unfenced (same epoch), so writes resume.",
    ours: true,
  },
  "-failover-abort-fence-failed": {
    level: "warning",
    format: "%@ #epoch %d",
    meaning:
      "The old primary's data-node refused the fence (it accepted a newer epoch), it is no " +
      "longer a master, or it went down before the fence was confirmed: the switchover stops " +
      "(unfence sent, refused if stale) and an automatic failover may follow.",
    ours: true,
  },
  "-failover-abort-tilt": {
    level: "warning",
    format: "%@ #epoch %d",
    meaning:
      "TILT entered while the old primary was fenced and nothing was promoted yet: the " +
      "switchover is abandoned and the old primary unfenced (same epoch) instead of staying " +
      "unwritable for the whole TILT period.",
    ours: true,
  },
  // The pre-promotion fence hook (ours, pre-promote.ts): a configured script runs first.
  "+failover-state-pre-promote": {
    level: "warning",
    format: "%@",
    meaning:
      "The master's pre-promote script (sentinel-plane pre-promote-script) is running on the " +
      "leading agent, before the chosen replica is promoted; only its exit 0 lets the failover go on.",
    ours: true,
  },
  "-failover-abort-pre-promote-failed": {
    level: "warning",
    format: "%@ #epoch %d #reason %s",
    meaning:
      "The pre-promote script failed (exit code, signal, could not start) or gave no result in " +
      "time (reason `timeout`): nothing was promoted, a switchover's fence is lifted (same " +
      "epoch), and a new failover may follow after the usual randomised back-off.",
    ours: true,
  },
  "+failover-state-send-slaveof-noone": {
    level: "notice",
    format: "%@",
    meaning: "Sending the promotion command to the chosen replica.",
  },
  "+failover-state-wait-promotion": {
    level: "notice",
    format: "%@",
    meaning: "Waiting for the chosen replica to report role master.",
  },
  "-failover-abort-slave-timeout": {
    level: "warning",
    format: "%@",
    meaning: "The chosen replica did not become master within failover-timeout.",
  },
  "+promoted-slave": {
    level: "warning",
    format: "%@",
    meaning: "The chosen replica now reports role master.",
  },
  "-failover-abort-commit-conflict": {
    level: "warning",
    format: "%@ #epoch %d",
    meaning: "The topology commit lost its compare-and-set: another leader committed first.",
    ours: true,
  },
  "-failover-abort-commit-timeout": {
    level: "warning",
    format: "%@ #epoch %d",
    meaning: "The topology could not be committed within failover-timeout.",
    ours: true,
  },
  "+failover-state-reconf-slaves": {
    level: "warning",
    format: "%@",
    meaning: "Pointing the other replicas at the new primary.",
  },
  "+slave-reconf-sent": { level: "notice", format: "%@", meaning: "REPLICAOF sent to a replica." },
  "+slave-reconf-sent-timeout": {
    level: "notice",
    format: "%@",
    meaning: "A replica did not start syncing in time; considered done.",
  },
  "+slave-reconf-inprog": {
    level: "notice",
    format: "%@",
    meaning: "A replica is syncing with the new primary.",
  },
  "+slave-reconf-done": {
    level: "notice",
    format: "%@",
    meaning: "A replica is in sync with the new primary.",
  },
  "+failover-end-for-timeout": {
    level: "warning",
    format: "%@",
    meaning: "failover-timeout elapsed while reconfiguring replicas; ended anyway.",
  },
  "+failover-end": { level: "warning", format: "%@", meaning: "The failover completed." },
  "+switch-master": {
    level: "warning",
    format: "%s %s %d %s %d",
    meaning: "The master's address changed: <name> <old-ip> <old-port> <new-ip> <new-port>.",
  },
  "+failover-detected": {
    level: "warning",
    format: "%@",
    meaning: "A replica turned master without a failover of ours (someone else's).",
  },
  "+config-update-from": {
    level: "warning",
    format: "%@",
    meaning: "A newer configuration (higher config epoch) was adopted from this agent.",
  },
  "+convert-to-slave": {
    level: "notice",
    format: "%@",
    meaning: "An instance reporting role master is turned into a replica of the current primary.",
  },
  "+fix-slave-config": {
    level: "notice",
    format: "%@",
    meaning: "A replica replicating from the wrong primary is pointed at the right one.",
  },
  "+unfence-master": {
    level: "warning",
    format: "%@ #epoch %d",
    meaning:
      "The configured primary is healthy but its data-node fenced it (restart, hang or lost " +
      "control plane), or an aborted switchover of this agent left it fenced; this agent, " +
      "seeing a majority of agents, lifts the fence.",
    ours: true,
  },
  "+unfence-slave": {
    level: "warning",
    format: "%@",
    meaning:
      "The master was removed (SENTINEL REMOVE): a replica the agents fenced directly (no " +
      "data-node) gets its fence lifted, if it still has one, so the instance handed back to the " +
      "operator takes writes once promoted by them.",
    ours: true,
  },
  "+reassert-master": {
    level: "warning",
    format: "%@ #epoch %d",
    meaning:
      "An uncommitted promotion left a second master behind: the elected leader re-commits the " +
      "current primary at a new epoch so the other one can be demoted.",
    ours: true,
  },
  // The operator's gate on automatic failovers (maintenance.ts)
  "+pause": {
    level: "warning",
    format: "%@ #until %s #by %s",
    meaning:
      "Maintenance mode: no automatic failover of the master until the (wall-clock, UTC) expiry; " +
      "detection goes on and manual failovers still work.",
    ours: true,
  },
  "-pause": {
    level: "warning",
    format: "%@ #%s",
    meaning: "Maintenance mode ended: `expired`, or `resumed by <who>`.",
    ours: true,
  },
  "+failover-blocked-paused": {
    level: "warning",
    format: "%@ #until %s #by %s",
    meaning: "The master is ODOWN but paused: no automatic failover starts (once per ODOWN).",
    ours: true,
  },
  "+failover-blocked-flapping": {
    level: "warning",
    format: "%@ #last-failover %s #until %s",
    meaning:
      "The master is ODOWN within failover-block-period of its last automatic failover: none " +
      "starts until the period ends or an operator acknowledges that failover (once per ODOWN).",
    ours: true,
  },
  "+failover-ack": {
    level: "warning",
    format: "%@ #failover %s #by %s",
    meaning: "An operator acknowledged the last automatic failover: its anti-flapping block is lifted.",
    ours: true,
  },
  // Scripts (carried out by the shell; the names are listed so that the table is complete)
  "-script-error": {
    level: "warning",
    format: "%s %d %d",
    meaning: "A notification/reconfig script failed: <path> <retry-or-not> <exit-code>.",
  },
  "-script-timeout": {
    level: "warning",
    format: "%s %d",
    meaning: "A script ran too long and was killed: <path> <pid>.",
  },
} as const satisfies Record<string, EventSpec>;

export type EventName = keyof typeof EVENTS;

/** The subject of an event, rendered as `%@`. */
export type EventSubject =
  | { readonly type: "master"; readonly name: string; readonly address: Address }
  | {
      readonly type: "slave" | "sentinel";
      /** `<ip>:<port>` for replicas, the agent id for agents. */
      readonly name: string;
      readonly address: Address;
      readonly master: { readonly name: string; readonly address: Address };
    };

export function formatSubject(subject: EventSubject): string {
  const own = `${subject.type} ${subject.name} ${subject.address.host} ${subject.address.port}`;
  if (subject.type === "master") return own;
  const m = subject.master;
  return `${own} @ ${m.name} ${m.address.host} ${m.address.port}`;
}

/** Fills a format string: `%@` with the subject, `%s`/`%d` with the arguments in order. */
export function formatPayload(
  format: string,
  subject: EventSubject | null,
  args: readonly (string | number)[],
): string {
  let next = 0;
  return format.replace(/%[@sd]/g, (placeholder) => {
    if (placeholder === "%@") {
      if (subject === null) throw new Error(`event format ${format} needs a subject`);
      return formatSubject(subject);
    }
    const value = args[next];
    next += 1;
    if (value === undefined) throw new Error(`event format ${format}: missing argument ${next}`);
    return String(value);
  });
}

/** Builds the event record of `name` (programmer errors, like a missing argument, throw). */
export function makeEvent(
  name: EventName,
  master_name: string | null,
  epoch: number,
  subject: EventSubject | null,
  args: readonly (string | number)[] = [],
): SentinelEvent {
  const spec: EventSpec = EVENTS[name];
  return { name, level: spec.level, master_name, epoch, text: formatPayload(spec.format, subject, args) };
}

/** One log line as Sentinel writes it: `# +sdown master mymaster 127.0.0.1 6379`. */
export function formatEventLine(event: SentinelEvent): string {
  const mark = event.level === "warning" ? "#" : event.level === "notice" ? "*" : "-";
  return `${mark} ${event.name} ${event.text}`;
}
