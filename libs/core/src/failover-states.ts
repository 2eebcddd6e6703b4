// THE table of failover states and of the events that end a failover. Each state's row gives its
// Sentinel name (SENTINEL MASTERS `failover-state`), its REST string, the event emitted on entering
// it, its trace label, the states it may move to and the endings it may have; each ending's row
// gives its outcome label (REST history, metrics, traces) and the retry that follows it. The core
// (failover-run.ts) asserts transitions and endings against it; the shells read it through these
// Records, so a new state or abort reason does not compile until it has its row here.
import type { EventName } from "./events.js";
import type { FailoverStateName } from "./state.js";

/** Sentinel's failover states (sentinel.c SENTINEL_FAILOVER_STATE_*), as SENTINEL MASTERS prints them. */
export type SentinelFailoverState =
  "wait_start" | "select_slave" | "send_slaveof_noone" | "wait_promotion" | "reconf_slaves";

/** Every `-failover-abort-*` event of the events table. */
export type FailoverAbortEvent = Extract<EventName, `-failover-abort-${string}`>;

/** The events that end a failover run: its two completions and every abort. */
export type FailoverEndEvent = "+failover-end" | "+failover-end-for-timeout" | FailoverAbortEvent;

/**
 * How soon this agent may try again after a failover ends:
 * - "fast": the randomised election delay. After a split vote (the next election may well
 *   succeed), a completed failover, a commit lost to another leader (whose configuration we
 *   adopt), or a manual switchover that gave up (the automatic failover judges the primary anew).
 * - "backoff": Sentinel's 2 x failover-timeout (sentinel.c: a new attempt only after
 *   failover_start_time + 2 x failover_timeout). After an abort that would recur at once: no good
 *   replica, a promotion not confirmed, a commit timeout, a refusing pre-promote hook, replicas
 *   beyond the promotion limits. Retrying those fast took a master from epoch 0 to 55 in 22 s
 *   (issue 13).
 */
export type FailoverRetry = "fast" | "backoff";

export interface FailoverStateSpec {
  /** SENTINEL MASTERS' `failover-state`: our own states fold into the nearest of Sentinel's. */
  readonly resp: SentinelFailoverState;
  /** The REST API's string (a contract: it stays when the state is renamed in the code). */
  readonly api: string;
  /** Emitted on entering the state (wait-start: by startElection, with the new epoch). */
  readonly entry_event: EventName;
  /** The entry event's `%@`: the master, or the replica selected for promotion. */
  readonly entry_subject: "master" | "selected";
  /**
   * The trace's child span while in the state; null: no span of its own (wait-start is the root
   * span `failover`; commit is entered on `+promoted-slave` and stays within wait-promotion's).
   */
  readonly span: string | null;
  /** The states it may move to; any other transition is a bug (failover-run.ts throws). */
  readonly next: readonly FailoverStateName[];
  /** The ways a run may end in this state. */
  readonly ends: readonly FailoverEndEvent[];
}

export const FAILOVER_STATES: { readonly [S in FailoverStateName]: FailoverStateSpec } = {
  "wait-start": {
    resp: "wait_start",
    api: "wait-start",
    entry_event: "+try-failover",
    entry_subject: "master",
    span: null,
    next: ["select-slave"],
    ends: ["-failover-abort-not-elected"],
  },
  "select-slave": {
    resp: "select_slave",
    api: "select-slave",
    entry_event: "+failover-state-select-slave",
    entry_subject: "master",
    span: "select-slave",
    // A reassert promotes at once; every other run fences the old primary first (ADR 0001).
    next: ["fence-old-primary", "send-slaveof-noone"],
    ends: ["-failover-abort-no-good-slave", "-failover-abort-lagging-slaves"],
  },
  "fence-old-primary": {
    resp: "select_slave",
    api: "fence-old-primary",
    entry_event: "+failover-state-fence-old-master",
    entry_subject: "master",
    span: "fence-old-master",
    next: ["wait-catchup", "pre-promote", "send-slaveof-noone"],
    ends: [
      "-failover-abort-fence-failed",
      "-failover-abort-catchup-timeout",
      "-failover-abort-tilt",
      "-failover-abort-lagging-slaves",
    ],
  },
  "wait-catchup": {
    resp: "select_slave",
    api: "wait-catchup",
    entry_event: "+failover-state-wait-catchup",
    entry_subject: "selected",
    span: "wait-catchup",
    next: ["pre-promote", "send-slaveof-noone"],
    ends: [
      "-failover-abort-fence-failed",
      "-failover-abort-catchup-timeout",
      "-failover-abort-tilt",
      "-failover-abort-lagging-slaves",
    ],
  },
  "pre-promote": {
    resp: "select_slave",
    api: "pre-promote",
    entry_event: "+failover-state-pre-promote",
    entry_subject: "selected",
    span: "pre-promote",
    next: ["send-slaveof-noone"],
    ends: ["-failover-abort-pre-promote-failed", "-failover-abort-tilt"],
  },
  "send-slaveof-noone": {
    resp: "send_slaveof_noone",
    api: "send-slaveof-noone",
    entry_event: "+failover-state-send-slaveof-noone",
    entry_subject: "selected",
    span: "send-slaveof-noone",
    next: ["wait-promotion"],
    ends: [],
  },
  "wait-promotion": {
    resp: "wait_promotion",
    api: "wait-promotion",
    entry_event: "+failover-state-wait-promotion",
    entry_subject: "selected",
    span: "wait-promotion",
    next: ["commit"],
    ends: ["-failover-abort-slave-timeout"],
  },
  commit: {
    resp: "wait_promotion",
    api: "commit",
    entry_event: "+promoted-slave",
    entry_subject: "selected",
    span: null,
    next: ["reconf-slaves"],
    ends: ["-failover-abort-commit-timeout", "-failover-abort-commit-conflict"],
  },
  "reconf-slaves": {
    resp: "reconf_slaves",
    api: "reconf-slaves",
    entry_event: "+failover-state-reconf-slaves",
    entry_subject: "master",
    span: "reconf-slaves",
    next: [],
    ends: ["+failover-end", "+failover-end-for-timeout"],
  },
};

export interface FailoverEndSpec {
  /** The outcome label: REST failover history, the metrics' `outcome`, the trace's `sp.outcome`. */
  readonly outcome: string;
  /** The new primary was committed (`+switch-master` went out before it). */
  readonly completed: boolean;
  readonly retry: FailoverRetry;
}

export const FAILOVER_ENDS: { readonly [E in FailoverEndEvent]: FailoverEndSpec } = {
  "+failover-end": { outcome: "end", completed: true, retry: "fast" },
  // Always followed by `+failover-end`: the first of the two ends the run for its readers.
  "+failover-end-for-timeout": { outcome: "end-for-timeout", completed: true, retry: "fast" },
  "-failover-abort-not-elected": { outcome: "not-elected", completed: false, retry: "fast" },
  "-failover-abort-no-good-slave": { outcome: "no-good-slave", completed: false, retry: "backoff" },
  "-failover-abort-lagging-slaves": { outcome: "lagging-slaves", completed: false, retry: "backoff" },
  "-failover-abort-catchup-timeout": { outcome: "catchup-timeout", completed: false, retry: "fast" },
  "-failover-abort-fence-failed": { outcome: "fence-failed", completed: false, retry: "fast" },
  "-failover-abort-tilt": { outcome: "tilt", completed: false, retry: "fast" },
  "-failover-abort-pre-promote-failed": { outcome: "pre-promote-failed", completed: false, retry: "backoff" },
  "-failover-abort-slave-timeout": { outcome: "slave-timeout", completed: false, retry: "backoff" },
  "-failover-abort-commit-conflict": { outcome: "commit-conflict", completed: false, retry: "fast" },
  "-failover-abort-commit-timeout": { outcome: "commit-timeout", completed: false, retry: "backoff" },
};

/**
 * The outcome of a run that a newer `+try-failover` of the same agent and master replaced before
 * any ending was seen (a shell missed it, or the agent restarted): not a core event.
 */
export const FAILOVER_OUTCOME_SUPERSEDED = "superseded";

export function isFailoverStateName(name: string): name is FailoverStateName {
  return Object.hasOwn(FAILOVER_STATES, name);
}

export function isFailoverEndEvent(name: string): name is FailoverEndEvent {
  return Object.hasOwn(FAILOVER_ENDS, name);
}

const ABORT_PREFIX = "-failover-abort-";

/**
 * The ending an event name stands for, or null when it ends nothing. An abort this version does
 * not know (the REST history also reads newer peers' events) still ends the run, with its reason.
 */
export function failoverEndOf(name: string): FailoverEndSpec | null {
  if (isFailoverEndEvent(name)) return FAILOVER_ENDS[name];
  if (!name.startsWith(ABORT_PREFIX)) return null;
  return { outcome: name.slice(ABORT_PREFIX.length), completed: false, retry: "backoff" };
}

/** Whether a run that ended with `outcome` committed its new primary (metrics: a completed failover). */
export function failoverOutcomeCompleted(outcome: string): boolean {
  return Object.values(FAILOVER_ENDS).some((end) => end.completed && end.outcome === outcome);
}

const STATE_BY_ENTRY_EVENT: ReadonlyMap<string, FailoverStateName> = new Map(
  Object.keys(FAILOVER_STATES)
    .filter(isFailoverStateName)
    .map((state) => [FAILOVER_STATES[state].entry_event, state]),
);

/** The state an event name enters, or null when it enters none. */
export function failoverStateEntered(name: string): FailoverStateName | null {
  return STATE_BY_ENTRY_EVENT.get(name) ?? null;
}
