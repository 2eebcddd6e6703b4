// The Redis watchdog, pure: what the data-node tells the watchdog beside its redis-server, and what
// the watchdog does about it. The service carries both out (services/data-node: redis-watchdog.sh
// and watchdog.ts); the simulator drives the same functions (libs/testkit sim).
//
// Why: the write lease (docs/adr/0001-write-lease.md) is enforced by the data-node. A data-node that
// is dead (SIGKILL: its redis-server runs on, by design, so a restarted data-node can adopt it) or
// hung (SIGSTOP, a stuck event loop) enforces nothing, yet the leader counts the old primary fenced
// once its lease has certainly expired: when that redis-server resumes it takes writes beside the
// new primary (`npm run sim -- --seed 60 --verbose --watchdog off`). Nothing in the control plane
// can tell "data-node dead" from "data-node cut off but enforcing", so the enforcement must outlive
// the data-node on the Redis host. Patroni closes the same hole with a watchdog device (the machine
// is reset when Patroni stops pinging it while primary). Ours is a small process per redis-server
// that the data-node feeds over a pipe and that SIGKILLs the redis-server when the feeding stops
// while the server may take writes (SIGKILL also ends a SIGSTOPped process).
//
// Protocol, one line each, data-node -> watchdog:
//   arm <deadline_cs>   the server may take writes (a master, not fenced, or about to be unfenced)
//                       under a write lease that holds until deadline_cs, the host's
//                       /proc/uptime in centiseconds (rounded down): an absolute time on the clock
//                       both read, so a line read late (the watchdog starved of CPU) means what
//                       the data-node meant when it wrote it;
//   disarm              the server is fenced or a replica: nothing to enforce;
//   detach              graceful end: leave the server alone and exit.
// The watchdog, armed, SIGKILLs the server at its deadline unless a newer `arm` or a `disarm`
// came first. The pipe's end (the data-node exited or died) while disarmed: it exits at once (a
// replica or a fenced primary is harmless; the restarted data-node adopts it). While armed: it
// fences the server itself at once (the orphan fence: `CONFIG SET min-replicas-to-write
// 2147483647` through redis-cli, bounded by the deadline) and exits when the server acknowledged
// it before the deadline, leaving a fenced server for the next data-node to adopt and unfence
// under a lease; otherwise (a hung server, an error, no answer in time) it kills at the deadline.
// Why fence first: a data-node killed right after a failover promoted its server writable (or a
// data-node crash on a healthy primary) cost that primary its process, and a second failover
// within the anti-flapping period is blocked (maintenance.ts), so the master had no writable
// primary until an operator acted (`npm run faults -- --shapes data-node-kill-promoted` with the
// one-transaction promote: ~34 s). A fence answered before the deadline is as safe as the kill:
// every write Redis ran after it is refused, and it ran before the deadline (its answer came
// before it), so before the leader's promotion (timing below).
//
// Timing (the leader's side is lease.ts armLeaseDeadline, ADR 0001). Let L be the lease, r =
// LEASE_CLOCK_RATE_MARGIN (0.1), M = LEASE_MARGIN_MS (20 ms), t_req the send time of the request
// whose grants gave the lease, on the host's clock. The lease ends at U = t_req + L (host clock).
//   - The data-node self-fences at U - lead (watchdogFenceLeadMs: min(1000, L / 4) ms) and sends
//     `disarm` once the fence is acknowledged, so a live data-node cut from the bus fences its
//     server rather than having it killed; the lead is what its fence (timer lateness, CONFIG SET
//     round trip, the pipe) may take.
//   - It sends `arm U` on the host's clock (wireLine): the watchdog's deadline is U itself, however
//     late it reads the line. It kills at U + its own wake-up latency (host clock). (Until
//     2026-12-05 it sent `arm (U - now)` and the watchdog took the time it read the line as the
//     base, so it judged a line read after the old deadline "too late" and killed a primary whose
//     lease its data-node had renewed on time, when the watchdog itself was starved of CPU: the
//     rolling-restart test on a loaded 2-core host, "armed and no arm or disarm by the deadline",
//     no fence logged.)
//   - The leader promotes no sooner than max_i(g_i) + L x (1 + r) + M on its clock, with
//     t_req <= max_i(g_i) (ADR). A host clock at least 1 / (1 + r) as fast as the leader's makes U
//     no later than t_req + L x (1 + r) on the leader's clock, so the kill precedes the promotion
//     when the wake-up latency <= M = 20 ms: the same margin the data-node's own
//     self-fence timer already relies on. The watchdog reads its deadline from /proc/uptime with
//     10 ms granularity and rounds down (it may kill up to 10 ms early, never late).
// Time is the host's monotonic milliseconds, passed in.

/** The largest lead of the data-node's lease self-fence over the watchdog's kill. */
export const WATCHDOG_FENCE_LEAD_MAX_MS = 1000;

/**
 * How long before its lease ends the data-node fences its server (self-fence.ts leaseFence), so the
 * fence and the `disarm` that follows it land before the watchdog's kill at the lease's end: a
 * quarter of the lease granted (write-lease.ts granted_lease_ms; the configured one before any
 * grant), at most 1000 ms (a 400 ms lease: 100 ms). Requests go out every quarter of the lease held
 * (write-lease.ts leaseRequestIntervalMs), so this fences a primary only after two renewals in a
 * row came late, and a fence is lifted with the next majority grant, while a kill costs a restart
 * and a failover. An eighth (50 ms at 400 ms) was too short on a loaded 2-core host: a data-node
 * starved that long had its healthy primary killed (test/rolling-restart.serial.test.ts, CI
 * 2026-12-04: "killed redis-server: armed and no arm or disarm by the deadline", no fence logged).
 * 0 when the watchdog is off: the data-node fences at the lease's end.
 */
export function watchdogFenceLeadMs(lease_ms: number, watchdog_on: boolean): number {
  if (!watchdog_on || lease_ms <= 0) return 0;
  return Math.min(WATCHDOG_FENCE_LEAD_MAX_MS, Math.floor(lease_ms / 4));
}

export type WatchdogLine =
  | { readonly kind: "arm"; readonly remaining_ms: number }
  | { readonly kind: "disarm" }
  | { readonly kind: "detach" };

/** A line as the watchdog reads it: an arm names its deadline on the host's clock (the watchdog's). */
export type WatchdogWireLine =
  | { readonly kind: "arm"; readonly deadline_ms: number }
  | { readonly kind: "disarm" }
  | { readonly kind: "detach" };

/** The line to write now, `host_now_ms` being the host's clock (the watchdog's) at this moment. */
export function wireLine(line: WatchdogLine, host_now_ms: number): WatchdogWireLine {
  if (line.kind !== "arm") return line;
  return { kind: "arm", deadline_ms: host_now_ms + line.remaining_ms };
}

/**
 * The host's clock as the watchdog reads it, from the text of /proc/uptime (seconds with two
 * decimals): milliseconds, in steps of 10. Null for a text that is not that.
 */
export function parseUptimeMs(text: string): number | null {
  const match = /^(\d+)\.(\d\d)\s/.exec(text);
  if (match === null) return null;
  return Number(match[1]) * 1000 + Number(match[2]) * 10;
}

/**
 * The line on the pipe, newline included. The deadline in centiseconds, rounded down: the watchdog
 * kills up to 10 ms early, never late.
 */
export function encodeWatchdogLine(line: WatchdogWireLine): string {
  if (line.kind === "arm") {
    if (!Number.isFinite(line.deadline_ms) || line.deadline_ms < 0) {
      throw new Error(`watchdog arm needs a non-negative deadline, got ${line.deadline_ms}`);
    }
    return `arm ${Math.floor(line.deadline_ms / 10)}\n`;
  }
  return `${line.kind}\n`;
}

/** The data-node's view of its server, for the line it sends. */
export interface WatchdogLineInputs {
  readonly now_ms: number;
  /** write-lease.ts leaseUntilMs: -Infinity when none is held. */
  readonly lease_until_ms: number;
  /** 0: no lease is enforced (lease off, or no master_name): nothing to arm for. */
  readonly lease_ms: number;
  /** The last probe that answered (a hung server keeps its last view); null: none yet. */
  readonly last_answered: { readonly role: "master" | "slave" | null; readonly fenced: boolean } | null;
  /**
   * The data-node is about to lift the fence of a master (an agent's unfence, its own lease-fence
   * lift): arm first, so the server is never writable while the watchdog is disarmed.
   */
  readonly unfencing: boolean;
}

/**
 * The line to send now; null: send nothing, the watchdog keeps the deadline it has. Null is the
 * answer for a writable master whose lease has run out: its self-fence is under way, and only its
 * acknowledgement (then `disarm`) may spare the server; a fresh `arm` would move the deadline past
 * the lease the leader counts on.
 *
 * Only a fence the server answered counts (`last_answered.fenced`). The hang rule's fence written on
 * the connection to a hung server (self-fence.ts) does not disarm: when a SIGSTOPped server resumes
 * it runs what waits on all of its connections in one event-loop pass, in no set order, so client
 * writes buffered before the fence may run first. Counted as a fence, it let an old primary
 * acknowledge a write after the new one's promotion in every `npm run faults -- --shapes
 * stop-primary` run (issue 13; `npm run sim -- --seed 60 --verbose` with the old rule). So a
 * server that does not answer its fence before its lease ends is killed, as Patroni's watchdog
 * resets a primary's machine; one that is merely slow answers in time and is spared.
 */
export function watchdogLine(inputs: WatchdogLineInputs): WatchdogLine | null {
  if (inputs.lease_ms === 0) return { kind: "disarm" };
  const server = inputs.last_answered;
  if (server === null) return null;
  if (server.role !== "master") return { kind: "disarm" };
  if (server.fenced && !inputs.unfencing) return { kind: "disarm" };
  const remaining_ms = Math.floor(inputs.lease_until_ms - inputs.now_ms);
  if (remaining_ms <= 0) return null;
  return { kind: "arm", remaining_ms };
}

/** The watchdog process's state: armed while deadline_ms is set. */
export interface WatchdogState {
  /** Kill the server at this time (the watchdog's own monotonic clock); null: disarmed. */
  readonly deadline_ms: number | null;
  /** The pipe ended: no more lines will come. */
  readonly orphaned: boolean;
  /** The orphan fence was sent and its answer is awaited. */
  readonly fencing: boolean;
}

export const WATCHDOG_STARTED: WatchdogState = { deadline_ms: null, orphaned: false, fencing: false };

export type WatchdogInput =
  | { readonly type: "line"; readonly now_ms: number; readonly line: WatchdogWireLine }
  | { readonly type: "eof"; readonly now_ms: number }
  | { readonly type: "tick"; readonly now_ms: number }
  /** The orphan fence's answer: `fenced` when the server acknowledged it. */
  | { readonly type: "fence_answer"; readonly now_ms: number; readonly fenced: boolean };

export type WatchdogAction = "none" | "kill" | "exit" | "fence";

export interface WatchdogStep {
  readonly state: WatchdogState;
  /**
   * kill: SIGKILL the server, then exit; exit: leave the server alone and exit; fence: send the
   * orphan fence and report its answer (`fence_answer`), the deadline still running.
   */
  readonly action: WatchdogAction;
}

/**
 * One step of the watchdog (watchdog-script.ts carries out the same rule). The deadline is checked
 * before any input but an `arm`: a disarm, a detach or a fence answered at or after the deadline
 * came too late, whatever it says (nothing tells when it was written or when the fence landed).
 * An `arm` names its own deadline on this clock: the lease it names was granted whenever the
 * line is read, so it replaces the deadline unless that one is over too. (The script reads every
 * line already waiting before it kills; here lines come one at a time, as the simulator delivers
 * them at once.)
 */
export function stepWatchdog(state: WatchdogState, input: WatchdogInput): WatchdogStep {
  const arm = input.type === "line" && input.line.kind === "arm";
  if (!arm && state.deadline_ms !== null && input.now_ms >= state.deadline_ms) {
    return { state, action: "kill" };
  }
  switch (input.type) {
    case "tick":
      return { state, action: "none" };
    case "eof":
      if (state.deadline_ms === null) return { state: { ...state, orphaned: true }, action: "exit" };
      return { state: { ...state, orphaned: true, fencing: true }, action: "fence" };
    case "fence_answer":
      if (!state.fencing) throw new Error("watchdog: a fence answer without a fence");
      if (input.fenced) return { state: { ...state, deadline_ms: null, fencing: false }, action: "exit" };
      // Not fenced (an error, a timeout): the kill at the deadline remains.
      return { state: { ...state, fencing: false }, action: "none" };
    case "line": {
      if (state.orphaned) throw new Error("watchdog: a line after the end of the pipe");
      const line = input.line;
      if (line.kind === "detach") return { state: { ...state, deadline_ms: null }, action: "exit" };
      if (line.kind === "disarm") return { state: { ...state, deadline_ms: null }, action: "none" };
      if (input.now_ms >= line.deadline_ms) return { state, action: "kill" };
      return { state: { ...state, deadline_ms: line.deadline_ms }, action: "none" };
    }
  }
}

/**
 * A restarted data-node that adopts a running server replaces the watchdog its predecessor left
 * (redis-watchdog.pid.json) only once the server is seen not writable: fenced (its own lease
 * self-fence: it holds no lease yet) or a replica. Until then the old watchdog, if it was armed,
 * still enforces the lease the predecessor held; killing it first would leave a writable server
 * that nothing enforces.
 */
export function adoptedWatchdogReplaceable(
  last_answered: { readonly role: "master" | "slave" | null; readonly fenced: boolean } | null,
): boolean {
  if (last_answered === null) return false;
  return last_answered.role !== "master" || last_answered.fenced;
}
