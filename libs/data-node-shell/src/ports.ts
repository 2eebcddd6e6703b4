// The narrow edges of the data-node's lease and self-fence loop (loop.ts): it reads time and talks
// to the bus, the agents, the server and the watchdog only through these, so the data-node runs it
// over NATS, HTTP, ioredis and Node's timers, and the simulator over in-memory ports.
import type { Result } from "@sentinel-plane/protocol";
import type { LeaseRequest } from "@sentinel-plane/protocol";
import type { WatchdogLine } from "@sentinel-plane/core/data-node";

// Time: the services' ports (runtime timers.ts), shared with the other shell loops. `soon` runs
// once the events already received are handled: a probe reply already read is counted before a
// timer could mistake this process's stall for the server's.
import type { Clock, SoonTimers as Timers } from "@sentinel-plane/runtime";
export type { Clock, Timers };
export { nodeClock, nodeTimers } from "@sentinel-plane/runtime";

/** The bus (NATS): lease requests out. Grants come in through DataNodeLoop.grant. */
export interface LeaseBus {
  /** A client exists and is not closed: a request can be published. */
  open(): boolean;
  /** Fire-and-forget; a failure is logged by the adapter. */
  publish(request: LeaseRequest): void;
}

/** The failsafe's direct channel (lease-direct.ts): the same request to the agents' REST ports. */
export interface DirectLeaseChannel {
  request(request: LeaseRequest): void;
}

/** The server as the last probe saw it: what the loop's rules read. */
export interface Observed {
  /** null: never probed yet. */
  readonly answered: boolean | null;
  readonly role: "master" | "slave" | null;
  readonly min_replicas_to_write: number | null;
  /** INFO server `config_file` ("" when started without one; null when unknown). */
  readonly config_file: string | null;
}

/** The watchdog's view of the server last answered (watchdog.ts adoptedWatchdogReplaceable). */
export interface WatchdogServer {
  readonly role: "master" | "slave" | null;
  readonly fenced: boolean;
}

/** The Redis watchdog's pipe (watchdog.ts RedisWatchdog.send). */
export interface WatchdogPipe {
  send(line: WatchdogLine | null, now_ms: number, server: WatchdogServer | null): void;
}

/**
 * The server and the data-node's own state, as the self-fence needs them: the probes, the command
 * queue the fences run behind, the persisted value a fence restores, the fence's transactions.
 */
export interface RedisFence {
  /** The latest probe's observation. */
  current(): Observed;
  /** The supervised server exited (a probe's answer predates it). */
  exited(): boolean;
  /** When the probe still waiting for its answer was sent (Clock time); null when none waits. */
  unansweredSinceMs(): number | null;
  /** The accepted epoch (persisted). */
  epoch(): number;
  /** Runs `change` behind the queued commands; a rejection goes to `failed`. */
  queued(change: () => Promise<void>, failed: (error: unknown) => void): void;
  /** A probe started after this call; its observation reaches DataNodeLoop.observe first. */
  freshProbe(): Promise<void>;
  /**
   * Persists the value an unfence restores before a fence (null: keep the one saved, else 0), and
   * a raised epoch (issuer none: the first agent to command it owns it) when above the accepted.
   */
  saveFence(fence_saved: number | null, raise_epoch_to: number | null): Promise<Result<void>>;
  /** min-replicas-to-write to the fence marker (CONFIG REWRITE too with a config file). */
  fence(has_config_file: boolean): Promise<Result<string[]>>;
  /** Restores the saved min-replicas-to-write (the lease fence's lift). */
  unfence(has_config_file: boolean): Promise<Result<string[]>>;
  /** Forgets the saved value once the fence is lifted (a failure is noted in `done`). */
  clearFenceSaved(done: string[]): Promise<void>;
  /** Strict mode holds the fence (it lifts it once a replica is in sync). */
  strictHoldsFence(): boolean;
}

/** The report's fence note and last error, and the report itself (published at once). */
export interface StatusSink {
  note(fence_note: string | null): void;
  error(last_error: string): void;
  publish(): void;
}

/** The structured logger (pino's shape, the part the loop uses). */
export interface LoopLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface LoopCounters {
  inc(name: string, labels: Readonly<Record<string, string>>): number;
}

export interface DataNodePorts {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly bus: LeaseBus;
  /** Null when no agents are configured for the failsafe or it is turned off. */
  readonly direct: DirectLeaseChannel | null;
  /** Null in attach mode or with supervise.watchdog "off". */
  readonly watchdog: WatchdogPipe | null;
  readonly redis: RedisFence;
  readonly status: StatusSink;
  readonly logger: LoopLogger;
  readonly counters: LoopCounters;
}
