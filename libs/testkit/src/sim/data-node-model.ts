// The simulated data-node: the data-node's own lease and self-fence loop (libs/data-node-shell
// DataNodeLoop: lease requests and grants, lease end, the self-fence and its settle, the lease
// fence's lift, the watchdog's lines) and its command path (DataNodeCommands: epoch check and
// persist, fresh probe, promote under a lease or fenced, fence, unfence) over in-memory ports
// answered from the world's events (dataNodePorts, dataNodeCommandPorts), and its status report and
// command replies (StatusReporter: the probe's observation, the seq, publish when changed, the
// reply from the last probe; reporterPorts), its command queue (CommandQueue) and its probes
// (ProbeSchedule: one in flight, what each observation feeds), as node.ts runs them over NATS,
// ioredis and Node's timers. One per simulated Redis node; the world (world.ts) moves its messages
// over the simulated bus (lease requests and grants, commands, reports, the topology watch) and
// gives it its server, always reachable (same host). What stays here is the world's: the process
// (alive, incarnation, start time), the server as a probe sees it (serverObservation) and the
// probe's wait on a hung server, the watchdog process on the host.
// Its self-healing is the data-node's own Restarter (data-node-shell restarter.ts: back-off, restart
// plan, data check) over the same clock and timers (restarterHost): the world only starts the
// server it asks for (World.startServer), when no fault holds the server down.
//
// Its clock is its own process's monotonic clock: it starts at 0 when the process starts and runs
// at `rate` times simulated time (drift, within the ADR's clock-rate margin); its timers are world
// events (one conversion, simDelay). A restart is a new loop: every in-memory thing (the lease,
// pending requests, the observed topology, its own lease fence) starts over and the persisted epoch
// and issuer (on SimNode, as the state file) stay. A crash stops the loop: its timers are dead.
// The Redis watchdog (core data-node watchdog.ts), on unless the world turns it off: a process on
// the host beside the server, fed by the loop's `arm`/`disarm` lines (no delay: a pipe). It
// outlives the data-node: when the data-node dies armed, it kills the server at the deadline, and a
// restarted data-node replaces it only once it sees the server fenced or a replica (its own lease
// self-fence: it holds no lease yet). Its clock is the host's (the data-node's rate, not reset by a
// data-node restart).
// Defaults are the data-node's (services/data-node/src/config.ts).
import { CommandQueue, observedOf, releaseHeld } from "@sentinel-plane/data-node-shell";
import type {
  CommandOutcome,
  HeldReleaseParts,
  CommandPorts,
  DataNodeCommands,
  DataNodeLoop,
  DataNodePorts,
  Observation,
  Observed,
  ProbeSchedule,
  RedisFence,
  Restarter,
  RestarterHost,
  StatusReporter,
  StatusReporterPorts,
  StatusSink,
  WatchdogServer,
} from "@sentinel-plane/data-node-shell";
import {
  adoptedWatchdogReplaceable,
  decideSelfFence,
  FENCE_MARKER,
  restartFollows,
  WATCHDOG_STARTED,
} from "@sentinel-plane/core/data-node";
import type {
  RestartPolicy,
  SelfFenceDecision,
  SelfFenceInputs,
  WatchdogLine,
  WatchdogState,
} from "@sentinel-plane/core/data-node";
import { spError } from "@sentinel-plane/protocol";
import type { LeaseRequest, NodeStatusReport, Result } from "@sentinel-plane/protocol";
import type { Address, NodeCommand, NodeCommandResult, TopologyRecord } from "@sentinel-plane/core";
import type { Prng } from "./prng.js";
import { infoOf, promoteServer, replicaofServer } from "./redis-model.js";
import type { SimNode } from "./redis-model.js";
import { cancellableAfter } from "./sim-timers.js";

/** poll_interval_ms, lease_ms and hang_fence_after_ms defaults of the data-node. */
export const DN_POLL_MS = 100;
export const DN_LEASE_MS = 500;
export const DN_HANG_FENCE_AFTER_MS = 500;
/** probe_timeout_ms default: a probe of a hung server fails after it. */
export const DN_PROBE_TIMEOUT_MS = 500;
/** command_timeout_ms default: a command written to a hung server fails after it. */
export const DN_COMMAND_TIMEOUT_MS = 2000;
/**
 * The restart policy defaults (restart_delay_ms: a live data-node restarts its exited server after
 * it, doubled after each crash; restart_backoff_max_ms, restart_stable_after_ms, crash_loop_max,
 * crash_loop_window_ms).
 */
export const DN_RESTART_POLICY: RestartPolicy = {
  backoff_initial_ms: 1000,
  backoff_max_ms: 30_000,
  stable_after_ms: 60_000,
  crash_loop_max: 5,
  crash_loop_window_ms: 600_000,
};
/**
 * restart_primary_wait_ms: a crashed committed primary is not restarted until another primary is
 * committed, and starts held after this (restart-plan.ts). 30 s by default; shorter here so a
 * seed where no failover can happen still settles within the heal deadline.
 */
export const DN_RESTART_PRIMARY_WAIT_MS = 5000;

/** The self-fence rule the simulated data-node runs (a test may hand in a broken one). */
export type SelfFenceRule = (inputs: SelfFenceInputs) => SelfFenceDecision;

/** The watchdog process beside a server: `id` tells a newer one from the one a timer was set for. */
export interface SimWatchdog {
  readonly id: number;
  state: WatchdogState;
}

/** The agent's command the data-node carries out now (one at a time: its command queue). */
export interface SimCommandContext {
  readonly agent: string;
  readonly epoch: number;
  readonly kind: NodeCommand["type"];
  /** Transactions it sent the server (none: answered without one, as "already fenced"). */
  transactions: number;
}

/** A transaction written to a hung server's connection: the server runs it when it resumes. */
export interface WaitingTransaction {
  readonly run: () => Result<string[]>;
  /** The client's answer, until given (the server's reply, or the command timeout). */
  reply: ((result: Result<string[]>) => void) | null;
}

const NOT_PROBED: Observed = { answered: null, role: null, min_replicas_to_write: null, config_file: null };

export class SimDataNode {
  alive = true;
  /** The data-node's loop while the process runs (null: crashed). */
  loop: DataNodeLoop | null = null;
  /** Its command path (data-node-shell DataNodeCommands) while the process runs. */
  command_path: DataNodeCommands | null = null;
  /** The command it carries out now (null: none). */
  command: SimCommandContext | null = null;
  /** Role changes written to the hung server's connection, in order (World.resumeNode runs them). */
  readonly waiting: WaitingTransaction[] = [];
  /** The watchdog running on the host (null: none); `watchdog_own`: this process feeds it. */
  watchdog: SimWatchdog | null = null;
  watchdog_own = false;
  watchdog_ids = 0;
  /** Its self-healing (data-node-shell Restarter) while the process runs. */
  restarter: Restarter | null = null;
  /** Its status report and command replies (data-node-shell StatusReporter) while it runs. */
  reporter: StatusReporter | null = null;
  /** Its probes and what each observation feeds (data-node-shell ProbeSchedule) while it runs. */
  probes: ProbeSchedule | null = null;
  /** A kill fault holds the server down: a start waits for the fault's end (World.resumeNode). */
  held_down = false;
  /** The restarter's start of the server, waiting for the fault's end (null: none waits). */
  start_waiting: (() => void) | null = null;
  /** The restart plan's reason for a held start (its log line), for the trace. */
  held_reason: string | null = null;
  /** Counts process starts: timers and replies of an older process are dropped. */
  incarnation = 1;
  /** Simulated time of the process start: its monotonic clock reads 0 there. */
  started_ms = 0;
  /** The committed topology as its restarter last saw it (restart-plan.ts). */
  committed: { readonly record: TopologyRecord; readonly revision: number } | null = null;
  /** The latest probe's observation as the loop reads it (RedisFence.current). */
  observed: Observed = NOT_PROBED;
  /** When the probe still waiting for the hung server was sent (own clock); null: none waits. */
  unanswered_since_ms: number | null = null;
  /** The reply to the fence written to the hung server's connection, while it waits. */
  fence_reply: ((result: Result<string[]>) => void) | null = null;
  /** The command queue the agents' commands, the fences and the lift run in (node.ts's too). */
  queue = new CommandQueue();
  /** The answer of the probe waiting for a hung server (the resume gives it at once). */
  probe_answer: (() => void) | null = null;
  /** The seq of its latest request also sent to the agents directly (lease_requests counts). */
  direct_seq: number | null = null;

  constructor(
    readonly node: SimNode,
    /** Its name on the bus (partitions block `d1>a2` and the like). */
    readonly name: string,
    /** Rate of its clock against simulated time. */
    readonly rate: number,
    /** The agents its configuration names (the direct channel's addresses). */
    readonly agents_configured: number,
    /** supervise.watchdog (default on). */
    readonly watchdog_on = true,
  ) {}

  /** Its monotonic clock at simulated time `sim_ms`. */
  clock(sim_ms: number): number {
    return (sim_ms - this.started_ms) * this.rate;
  }

  /** The host's monotonic clock (the watchdog's): the same rate, not reset by a restart. */
  hostClock(sim_ms: number): number {
    return sim_ms * this.rate;
  }

  /** A new watchdog fed by this process (the previous one, if any, was ended first). */
  spawnWatchdog(): SimWatchdog {
    this.watchdog_ids += 1;
    const watchdog = { id: this.watchdog_ids, state: WATCHDOG_STARTED };
    this.watchdog = watchdog;
    this.watchdog_own = true;
    return watchdog;
  }

  /**
   * The watchdog this process feeds, replacing a predecessor's once the server is seen fenced or a
   * replica (watchdog.ts adoptedWatchdogReplaceable); null while the old one must stay.
   */
  ownWatchdog(server: WatchdogServer | null): SimWatchdog | null {
    if (!this.watchdog_on || !this.alive) return null;
    if (this.watchdog_own && this.watchdog !== null) return this.watchdog;
    if (!adoptedWatchdogReplaceable(server)) return null;
    return this.spawnWatchdog();
  }

  /** Simulated milliseconds that `own_ms` of its clock take (every timer of the process). */
  simDelay(own_ms: number): number {
    return Math.max(0, Math.ceil(own_ms / this.rate));
  }

  crash(): void {
    this.alive = false;
    this.incarnation += 1;
    this.loop?.stop();
    this.loop = null;
    this.restarter?.stop(); // its timers die with the process, and a start it waited for
    this.restarter = null;
    this.reporter = null;
    this.probes = null;
    this.start_waiting = null;
    this.command_path = null;
    this.command = null;
    this.watchdog_own = false; // its watchdog reads the end of the pipe (world.ts)
  }

  /** A new process: a new loop and command path; the persisted epoch (on the node) stays. */
  start(
    sim_ms: number,
    build: (dn: SimDataNode) => {
      readonly loop: DataNodeLoop;
      readonly commands: DataNodeCommands;
      readonly restarter: Restarter;
      readonly reporter: StatusReporter;
      readonly probes: ProbeSchedule;
    },
  ): DataNodeLoop {
    this.alive = true;
    this.incarnation += 1;
    this.started_ms = sim_ms;
    this.observed = NOT_PROBED;
    this.unanswered_since_ms = null;
    this.fence_reply = null;
    this.probe_answer = null;
    this.queue = new CommandQueue();
    this.direct_seq = null;
    this.committed = null;
    // No watchdog left running (the previous one exited or killed the server): its own at once;
    // else it replaces the running one once the server is seen not writable (ownWatchdog).
    if (this.watchdog_on && this.watchdog === null) this.spawnWatchdog();
    else this.watchdog_own = false;
    this.command = null;
    const built = build(this);
    this.loop = built.loop;
    this.command_path = built.commands;
    this.restarter = built.restarter;
    this.reporter = built.reporter;
    this.probes = built.probes;
    this.start_waiting = null;
    return built.loop;
  }

  /**
   * A probe's answer (serverObservation) as the loop reads it (ProbeSchedule's `seen`), as
   * node.ts's observedOf reads redis-control's: a failed probe knows no role and no fence. (The
   * model kept the role and fence last seen until 2026-12-05: a data-node whose replica stopped
   * answering sent no lease requests here and did in node.ts.)
   */
  probe(sim_ms: number, observation: Observation): void {
    if (this.node.process === "hung") this.unanswered_since_ms ??= this.clock(sim_ms);
    else this.unanswered_since_ms = null;
    this.observed = observedOf(observation);
  }
}

/**
 * The server as a probe sees it at `now_ms`: a running one answers INFO (the model loses no data
 * in a crash, so it always has its keys); a dead or hung one does not, and, as redis-control.ts's
 * failed probe, tells neither role nor fence.
 */
export function serverObservation(nodes: readonly SimNode[], node: SimNode, now_ms: number): Observation {
  if (node.process === "running") {
    const min_replicas_to_write = node.fenced ? FENCE_MARKER : 0;
    const info = infoOf(nodes, node, now_ms);
    return {
      answered: true,
      info,
      min_replicas_to_write,
      config_file: "",
      keys: 1,
      loading: false,
      error: null,
    };
  }
  const error = node.process === "killed" ? "connect ECONNREFUSED" : "probe timed out";
  return { answered: false, info: null, min_replicas_to_write: null, config_file: null, error };
}

export const productionSelfFence: SelfFenceRule = decideSelfFence;

/** What the data-node's ports need of the world (world.ts dataNodeWorld). */
export interface DataNodeWorld {
  readonly keep_log: boolean;
  readonly failsafe: boolean;
  /** The world's PRNG (a replica's sync time after REPLICAOF). */
  readonly rng: Prng;
  now(): number;
  /** Runs `run` after `delay_ms` simulated ms as the data-node's work (its microtasks settle). */
  at(delay_ms: number, run: () => void): void;
  /** Runs `run` within the current event, once the pending microtasks settled. */
  soon(run: () => void): void;
  /** The loop's promises are under way: their microtasks settle within the event. */
  work(): void;
  publish(dn: SimDataNode, request: LeaseRequest): void;
  direct(dn: SimDataNode, request: LeaseRequest): void;
  /**
   * Publishes its report (only when it changed significantly with `if_changed`), the server read
   * at send time (serverObservation): node.ts's report reads its latest probe instead.
   */
  report(dn: SimDataNode, if_changed?: "if_changed"): void;
  /** The report on the bus, to every agent it reaches (the reporter's sink). */
  sendReport(dn: SimDataNode, status: NodeStatusReport): void;
  watchdog(dn: SimDataNode, line: WatchdogLine | null, server: WatchdogServer | null): void;
  leaseFenced(dn: SimDataNode): void;
  /** A command's transaction changed the server (the checkers, the trace, a report). */
  applied(dn: SimDataNode, command: SimCommandContext): void;
  trace(dn: SimDataNode, text: string): void;
  /** Starts the server as the restarter asks (redis-server's extra arguments), once no fault holds it down. */
  startServer(dn: SimDataNode, extra_args: readonly string[]): Promise<void>;
  /**
   * The held release's role change (data-node-shell held-release.ts): the server follows
   * `primary`, or stays the fenced master it started as (World.startServer starts it so).
   */
  releaseRole(dn: SimDataNode, primary: Address | null): Promise<Result<string[]>>;
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** The log lines of the loop's events the scenario logs show (the rest is not traced). */
function traceText(fields: Record<string, unknown>): string | null {
  const { event, reason, detail, epoch, error } = fields;
  const text = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));
  switch (event) {
    case "fenced":
      return `< self-fence (${text(reason)}): ${text(detail)}`;
    case "fence_queued":
      return `< self-fence queued (${text(reason)}): ${text(detail)}`;
    case "unfenced":
      return `< lease back: lease fence lifted (epoch ${text(epoch)})`;
    case "failsafe_active":
      return "< failsafe: bus down, lease requests go to the agents directly";
    case "failsafe_ended":
      return "< failsafe: bus back";
    case "fence_failed":
    case "unfence_failed":
      return `< ${event}: ${text(error)}`;
    default:
      return null;
  }
}

/** The server connection's side of RedisFence: the fence and unfence transactions. */
function serverFence(
  dn: SimDataNode,
  world: DataNodeWorld,
): Pick<DataNodePorts["redis"], "fence" | "unfence"> {
  const node = dn.node;
  return {
    fence: () => {
      world.work();
      if (node.process === "running") {
        node.fenced = true;
        return Promise.resolve(ok(["CONFIG SET min-replicas-to-write fence"]));
      }
      if (node.process === "killed") {
        return Promise.resolve({
          ok: false,
          error: spError("SP_ERR_REDIS_UNAVAILABLE", ["Connection is closed"]),
        });
      }
      // Hung: the bytes wait in the server's socket buffer (world.ts resumeNode runs them); the
      // reply comes then, or the client's command timeout fails the command first.
      node.fence_queued = true;
      return new Promise((resolve) => {
        dn.fence_reply = resolve;
        world.at(dn.simDelay(DN_COMMAND_TIMEOUT_MS), () => {
          if (dn.fence_reply !== resolve) return;
          dn.fence_reply = null;
          world.work();
          resolve({ ok: false, error: spError("SP_ERR_TIMEOUT", ["fence", DN_COMMAND_TIMEOUT_MS]) });
        });
      });
    },
    unfence: () => {
      world.work();
      if (node.process !== "running") {
        return Promise.resolve({ ok: false, error: spError("SP_ERR_REDIS_UNAVAILABLE", ["no answer"]) });
      }
      node.fenced = false;
      return Promise.resolve(ok(["CONFIG SET min-replicas-to-write 0"]));
    },
  };
}

/** RedisFence over the world: the server connection, the command queue, the state file. */
function redisPort(dn: SimDataNode, world: DataNodeWorld, live: () => boolean): DataNodePorts["redis"] {
  const node = dn.node;
  return {
    current: () => dn.observed,
    exited: () => node.process === "killed",
    unansweredSinceMs: () => dn.unanswered_since_ms,
    epoch: () => node.epoch,
    queued: (change, failed) => {
      world.work();
      dn.queue.run(change).catch(failed);
    },
    freshProbe: async () => {
      world.work();
      if (live()) await dn.probes?.freshProbe();
    },
    saveFence: (_fence_saved, raise_epoch_to) => {
      world.work();
      if (raise_epoch_to !== null && raise_epoch_to > node.epoch) {
        node.epoch = raise_epoch_to;
        node.issuer = null; // a new epoch nobody commanded yet: its first issuer owns it
      }
      return Promise.resolve(ok(undefined));
    },
    ...serverFence(dn, world),
    clearFenceSaved: () => {
      world.work();
      return Promise.resolve();
    },
    strictHoldsFence: () => false,
  };
}

/** The fence note and last error the loop and the command path hand the report. */
function reportNotes(dn: SimDataNode): Pick<StatusSink, "note" | "error"> {
  return {
    note: (fence_note) => {
      dn.reporter?.note(fence_note);
    },
    error: (last_error) => {
      dn.reporter?.error(last_error);
    },
  };
}

/** The loop's ports over the world: its timers are world events dropped with the process. */
export function dataNodePorts(dn: SimDataNode, world: DataNodeWorld): DataNodePorts {
  const incarnation = dn.incarnation;
  const live = (): boolean => dn.incarnation === incarnation && dn.alive;
  const log = (fields: Record<string, unknown>): void => {
    const text = world.keep_log ? traceText(fields) : null;
    if (text !== null) world.trace(dn, text);
  };
  return {
    clock: { now_ms: () => dn.clock(world.now()) },
    timers: {
      after: cancellableAfter((delay_ms, run) => {
        world.at(dn.simDelay(delay_ms), () => {
          if (live()) run();
        });
      }),
      soon: (run) => {
        world.soon(() => {
          if (live()) run();
        });
      },
    },
    bus: {
      open: () => live(),
      publish: (request) => {
        world.publish(dn, request);
      },
    },
    direct: world.failsafe
      ? {
          request: (request) => {
            dn.direct_seq = request.seq;
            world.direct(dn, request);
          },
        }
      : null,
    watchdog: dn.watchdog_on
      ? {
          send: (line, _now_ms, server) => {
            world.watchdog(dn, line, server);
          },
        }
      : null,
    redis: redisPort(dn, world, live),
    status: {
      ...reportNotes(dn),
      publish: () => {
        if (live()) world.report(dn);
      },
    },
    logger: { info: log, warn: log, error: log },
    counters: {
      inc: (name, labels) => {
        // A lease self-fence of a node whose held lease ran out (not the start's "none granted").
        if (name === "self_fences_total" && labels.reason === "lease" && dn.loop?.lease.until_ms != null) {
          world.leaseFenced(dn);
        }
        return 0;
      },
    },
  };
}

/**
 * The restarter's host over the world, as node.ts wires it: the loop's clock and timers (dropped
 * with the process), the committed topology it last saw, the server's start and the end of held.
 */
export function restarterHost(dn: SimDataNode, world: DataNodeWorld, ports: DataNodePorts): RestarterHost {
  const incarnation = dn.incarnation;
  const live = (): boolean => dn.incarnation === incarnation && dn.alive;
  const log = (fields: Record<string, unknown>): void => {
    // The held start's reason, for its trace line (World.startServer).
    if (fields.event === "redis_restarting" && typeof fields.reason === "string")
      dn.held_reason = fields.reason;
  };
  return {
    logger: { info: log, warn: log, error: log },
    counters: { inc: () => 0 },
    clock: ports.clock,
    timers: ports.timers,
    // Not a record older than the accepted epoch (core restart-plan.ts restartFollows).
    committedPrimary: () => restartFollows(dn.committed?.record ?? null, dn.node.epoch),
    startServer: (extra_args) => (live() ? world.startServer(dn, extra_args) : Promise.resolve()),
    releaseHeld: (primary) => {
      if (!live()) return Promise.resolve(false);
      const parts: HeldReleaseParts = {
        queue: dn.queue,
        server: ports.redis,
        roleChange: (target) => world.releaseRole(dn, target),
        logger: ports.logger,
      };
      return releaseHeld(parts, primary);
    },
    // node.ts publishes its report then, for the restart phase and data_lost: the core's NodeReport
    // carries no restart phase, the model loses no data, and the server's start and exit report
    // themselves.
    changed: () => undefined,
  };
}

/**
 * The report's ports over the world, as node.ts wires them: simulated time as the wall clock, the
 * supervised server's process (a kill fault is SIGKILL), the persisted epoch on the SimNode, the
 * restarter's part, the world's bus as the sink (nothing once the process died).
 */
export function reporterPorts(
  dn: SimDataNode,
  world: DataNodeWorld,
  ports: DataNodePorts,
): StatusReporterPorts {
  const incarnation = dn.incarnation;
  const live = (): boolean => dn.incarnation === incarnation && dn.alive;
  const node = dn.node;
  return {
    wall: { wall_now_ms: () => world.now() },
    child: () =>
      node.process === "killed" ? { state: "exited", code: null, signal: "SIGKILL" } : { state: "running" },
    accepted: () => ({ epoch: node.epoch, issuer: node.issuer }),
    healing: () => dn.restarter?.report() ?? null,
    sink: {
      stopped: () => !live(),
      send: (status) => {
        world.sendReport(dn, status);
      },
    },
    logger: ports.logger,
  };
}

const closed = (): Result<string[]> => ({
  ok: false,
  error: spError("SP_ERR_REDIS_UNAVAILABLE", ["Connection is closed"]),
});

/**
 * One MULTI/EXEC on the server connection: a running server runs it at once, a dead one refuses
 * it; a hung one leaves it waiting in its socket buffer (dn.waiting): run when it resumes, failed
 * when it is killed, the client's command timeout failing the answer first (the server still
 * runs it when it resumes, as Redis would).
 */
function serverTransaction(
  dn: SimDataNode,
  world: DataNodeWorld,
  run: () => Result<string[]>,
): Promise<Result<string[]>> {
  world.work();
  const node = dn.node;
  if (node.process === "running") return Promise.resolve(run());
  if (node.process === "killed") return Promise.resolve(closed());
  return new Promise((resolve) => {
    const waiting: WaitingTransaction = { run, reply: resolve };
    dn.waiting.push(waiting);
    world.at(dn.simDelay(DN_COMMAND_TIMEOUT_MS), () => {
      const reply = waiting.reply;
      if (reply === null) return;
      waiting.reply = null;
      world.work();
      reply({ ok: false, error: spError("SP_ERR_TIMEOUT", ["MULTI/EXEC", DN_COMMAND_TIMEOUT_MS]) });
    });
  });
}

/** A waiting transaction's end: run by the resumed server (true) or lost with the killed one. */
export function endWaiting(dn: SimDataNode, ran: boolean): void {
  for (const waiting of dn.waiting.splice(0)) {
    const result = ran ? waiting.run() : closed();
    const reply = waiting.reply;
    waiting.reply = null;
    reply?.(result);
  }
}

/**
 * The command path's ports over the world (as node.ts wires ioredis and its state file): the
 * loop's RedisFence (probes, fence, unfence, the saved fence value), the role changes on the
 * SimNode, the accepted epoch on the SimNode (the state file). Each transaction of an agent's
 * command that changes the server tells the world (its checkers), when the server runs it.
 */
export function dataNodeCommandPorts(
  dn: SimDataNode,
  loop: DataNodeLoop,
  redis: RedisFence,
  world: DataNodeWorld,
): CommandPorts {
  const node = dn.node;
  const incarnation = dn.incarnation;
  const live = (): boolean => dn.incarnation === incarnation && dn.alive;
  /** The command under way, which sends the server one more transaction. */
  const sending = (): SimCommandContext | null => {
    const command = dn.command;
    if (command !== null) command.transactions += 1;
    return command;
  };
  /** A transaction the server ran for `command`: the world is told (its checkers see it then). */
  const ran = (command: SimCommandContext | null, result: Result<string[]>): Result<string[]> => {
    if (result.ok && command !== null) world.applied(dn, command);
    return result;
  };
  return {
    loop,
    redis: {
      ...redis,
      fence: (has_config_file) => {
        const command = sending();
        return redis.fence(has_config_file).then((result) => ran(command, result));
      },
      unfence: (has_config_file) => {
        const command = sending();
        return redis.unfence(has_config_file).then((result) => ran(command, result));
      },
    },
    server: {
      promote: (_has_config_file, fence) => {
        const command = sending();
        return serverTransaction(dn, world, () => ran(command, promoteServer(node, fence)));
      },
      replicaof: (target) => {
        const command = sending();
        const change = (): Result<string[]> => replicaofServer(node, target, world.now(), world.rng);
        return serverTransaction(dn, world, () => ran(command, change()));
      },
    },
    epochs: {
      accepted: () => ({ epoch: node.epoch, issuer: node.issuer }),
      accept: (next) => {
        world.work();
        node.epoch = next.epoch;
        node.issuer = next.issuer;
        return Promise.resolve(ok(undefined));
      },
    },
    probeError: () => dn.reporter?.observation.error ?? null,
    strict: null,
    beforePromote: () => {
      world.work();
      return Promise.resolve();
    },
    status: {
      ...reportNotes(dn),
      // A newly accepted epoch is a significant change.
      changed: () => {
        if (live()) world.report(dn, "if_changed");
      },
    },
    counters: { inc: () => 0 },
  };
}

/**
 * The reply to an agent's command, as node.ts answers it (StatusReporter.reply: the server as the
 * command's last probe saw it), in the core's terms (the agent's node-commander.ts reads it so).
 */
export function commandResult(
  dn: SimDataNode,
  kind: NodeCommand["type"],
  outcome: CommandOutcome,
): NodeCommandResult {
  const reporter = dn.reporter;
  if (reporter === null) throw new Error("a command answered by a dead data-node");
  const reply = outcome.ok ? reporter.reply(kind, outcome.done, false) : reporter.refusal(outcome.error);
  if (!reply.ok) return { ok: false, code: reply.code, message: reply.message };
  return { ok: true, role: reply.role, offset: reply.offset, fenced: reply.fenced };
}
