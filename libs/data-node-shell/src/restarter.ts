// The supervisor's self-healing shell: carries out the pure rules of restart-policy.ts (when) and
// restart-plan.ts (as what), and the data check after each restart. It owns its timers (through
// the Clock and Timers ports, as DataNodeLoop) and nothing else: the data-node (node.ts) starts the
// server, runs Redis commands and publishes; the simulator runs it over its in-memory ports.
//   child exit  -> stepRestart -> back-off timer | crash_loop
//   start, no server to adopt, last seen running as a master -> planned as that master's crash:
//                  a server that died as the committed primary (its data-node dead too) is not
//                  started again as that primary, with an older dataset its replicas would resync
//   timer       -> planRestart -> start as replica | wait for another primary | start held
//   topology    -> a waiting restart is planned again at once
//   observation -> remembers the key count while running; after a restart, the data check:
//                  empty -> data_lost (never promoted, never released from held);
//                  intact and held -> released (REPLICAOF NO ONE, still fenced: the agents unfence)
import type { Address, RedisInfo } from "@sentinel-plane/core";
import type { NodeStatusReport } from "@sentinel-plane/protocol";
import type { Clock, LoopCounters, LoopLogger, Timers } from "./ports.js";
import type { Healing } from "./status-reporter.js";
import {
  assertPolicy,
  dataCheck,
  initialRestartState,
  planRestart,
  stepRestart,
} from "@sentinel-plane/core/data-node";
import type { RestartEffect, RestartPlan, RestartPolicy, RestartState } from "@sentinel-plane/core/data-node";
import { sameAddress } from "@sentinel-plane/core";

export type RestartPhase = NonNullable<NodeStatusReport["restart"]>["state"];

export interface RestarterOptions {
  readonly enabled: boolean;
  readonly policy: RestartPolicy;
  readonly primary_wait_ms: number;
  readonly self: Address;
  readonly topology_followed: boolean;
}

/**
 * The part of a probe's observation the restarter reads (report.ts Observation has these):
 * the key count for the data check, the replication link for the end of data_lost.
 */
export interface RestartObservation {
  /** null: never probed yet. */
  readonly answered: boolean | null;
  readonly info: Pick<RedisInfo, "role" | "master_host" | "master_port" | "master_link_status"> | null;
  /** Keys over all databases, and whether an RDB/AOF is still loading (absent: not probed). */
  readonly keys?: number;
  readonly loading?: boolean;
}

/** What the restarter needs from the data-node. */
export interface RestarterHost {
  readonly logger: LoopLogger;
  readonly counters: LoopCounters;
  /** Monotonic time and the back-off and primary-wait timers (Node's in the data-node). */
  readonly clock: Clock;
  readonly timers: Timers;
  committedPrimary(): Address | null;
  /** Starts redis-server fenced with these extra arguments. */
  startServer(extra_args: readonly string[]): Promise<void>;
  /**
   * Ends the held state: `null` makes a server with intact data a (fenced) master again, an
   * address makes it that primary's replica. Resolves false when the command failed.
   */
  releaseHeld(primary: Address | null): Promise<boolean>;
  /** Something the report shows changed. */
  changed(): void;
}

export class Restarter {
  readonly #options: RestarterOptions;
  readonly #host: RestarterHost;
  #state: RestartState;
  #phase: RestartPhase;
  /** Cancels the armed back-off or primary-wait timer (null: none armed). */
  #cancel_timer: (() => void) | null = null;
  #exited_ms = 0;
  #last_role: "master" | "slave" | null = null;
  /** Keys of the last settled observation while running normally (null: never seen). */
  #keys_before: number | null = null;
  /** A restart happened and its first settled observation has not been checked yet. */
  #check_pending = false;
  #data_lost = false;
  #releasing = false;
  #stopped = false;

  constructor(options: RestarterOptions, host: RestarterHost) {
    assertPolicy(options.policy);
    this.#options = options;
    this.#host = host;
    this.#state = initialRestartState(options.policy);
    this.#phase = options.enabled ? "running" : "off";
  }

  /** For the status report. */
  report(): Healing {
    return {
      data_lost: this.#data_lost,
      restart: { state: this.#phase, exits_in_window: this.#state.exits_ms.length },
    };
  }

  /** The server (first start or adopted) is running. */
  started(): void {
    this.#state = stepRestart(this.#options.policy, this.#state, {
      type: "started",
      now_ms: this.#host.clock.now_ms(),
    }).state;
  }

  /**
   * The data-node starts and finds no server to adopt. A server last seen running as a master
   * (state.ts running_role, had_keys) crashed as one, maybe while the committed primary: planned as that
   * crash (true: the plan now decides when and as what). Otherwise false: start it as configured.
   */
  startWithoutServer(
    last_seen: { readonly running_role: "master" | "slave"; readonly had_keys: boolean | null } | null,
  ): boolean {
    if (!this.#options.enabled || last_seen?.running_role !== "master" || this.#stopped) return false;
    this.#exited_ms = this.#host.clock.now_ms();
    this.#last_role = "master";
    // The data check after the start only asks whether it had keys (dataCheck).
    this.#keys_before = last_seen.had_keys === null ? null : last_seen.had_keys ? 1 : 0;
    this.#host.logger.info(
      { event: "redis_start_planned", wait_ms: this.#options.primary_wait_ms },
      "no redis-server to adopt and it was last seen running as a master: planned as its crash",
    );
    this.#planNow();
    return true;
  }

  onExit(): void {
    if (!this.#options.enabled || this.#stopped) return;
    this.#exited_ms = this.#host.clock.now_ms();
    this.#check_pending = false;
    const step = stepRestart(this.#options.policy, this.#state, { type: "exited", now_ms: this.#exited_ms });
    this.#state = step.state;
    this.#apply(step.effects);
  }

  /** The operator's reset: ends a crash loop (and restarts at once), or restarts the back-off. */
  reset(): string {
    if (!this.#options.enabled) return "restarts are off (restart_on_exit: false)";
    const was = this.#phase;
    const step = stepRestart(this.#options.policy, this.#state, {
      type: "reset",
      now_ms: this.#host.clock.now_ms(),
    });
    this.#state = step.state;
    this.#host.logger.warn({ event: "restart_reset", was }, "restart back-off and crash-loop count reset");
    this.#apply(step.effects);
    return was === "crash_loop" ? "crash loop reset: restarting" : "back-off reset";
  }

  /** A reinit dropped the data on purpose: not promotable until it has synced (data_lost). */
  reinitialised(): void {
    this.#check_pending = false;
    this.#data_lost = true;
    this.#setPhase(this.#options.enabled ? "running" : "off");
  }

  onTopology(): void {
    if (this.#phase === "waiting_for_primary") this.#planNow();
    // Held (empty, or not yet checked): another primary now exists, follow it (a full sync).
    const primary = this.#host.committedPrimary();
    const self = this.#options.self;
    if (this.#phase === "held" && primary !== null && !sameAddress(primary, self)) {
      this.#release(primary);
    }
  }

  onObservation(observation: RestartObservation): void {
    if (observation.answered !== true || observation.loading === true || observation.keys === undefined)
      return;
    const info = observation.info;
    if (this.#check_pending) {
      this.#check_pending = false;
      this.#checkData(observation.keys);
      return;
    }
    if (this.#data_lost) {
      // Synced from a real primary since: its data is that primary's now.
      const self = this.#options.self;
      const synced =
        info?.role === "slave" &&
        info.master_link_status === "up" &&
        !(info.master_host === self.host && info.master_port === self.port);
      if (synced) {
        this.#data_lost = false;
        this.#host.logger.info({ event: "data_restored" }, "resynced from the primary: data_lost cleared");
        this.#host.changed();
      }
      return;
    }
    if (this.#phase === "held") return;
    this.#keys_before = observation.keys;
    if (info !== null) this.#last_role = info.role;
  }

  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
  }

  #apply(effects: readonly RestartEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "schedule_restart":
          this.#setPhase("backoff");
          this.#host.logger.warn(
            {
              event: "restart_scheduled",
              delay_ms: effect.delay_ms,
              exits_in_window: effect.exits_in_window,
            },
            "redis-server exited: restart scheduled",
          );
          this.#arm(effect.delay_ms);
          break;
        case "crash_loop":
          this.#clearTimer();
          this.#setPhase("crash_loop");
          this.#host.counters.inc("restart_crash_loops_total", {});
          this.#host.logger.error(
            { event: "crash_loop", exits_in_window: effect.exits_in_window, window_ms: effect.window_ms },
            "redis-server crashes in a loop: no more restarts until reset",
          );
          break;
        case "restart_now":
          this.#planNow();
          break;
      }
    }
  }

  #arm(delay_ms: number): void {
    this.#clearTimer();
    this.#cancel_timer = this.#host.timers.after(delay_ms, () => {
      this.#cancel_timer = null;
      this.#planNow();
    });
  }

  #clearTimer(): void {
    this.#cancel_timer?.();
    this.#cancel_timer = null;
  }

  #planNow(): void {
    if (this.#stopped) return;
    const plan = planRestart({
      self: this.#options.self,
      committed_primary: this.#host.committedPrimary(),
      topology_followed: this.#options.topology_followed,
      last_role: this.#last_role,
      exited_ms: this.#exited_ms,
      now_ms: this.#host.clock.now_ms(),
      primary_wait_ms: this.#options.primary_wait_ms,
    });
    if (plan.action === "wait") {
      if (this.#phase !== "waiting_for_primary") {
        this.#setPhase("waiting_for_primary");
        this.#host.logger.warn(
          { event: "restart_waits_for_primary", until_ms: Math.round(plan.until_ms) },
          "the crashed server was the committed primary: not restarted until another primary is committed",
        );
      }
      this.#arm(Math.max(0, plan.until_ms - this.#host.clock.now_ms()));
      return;
    }
    this.#clearTimer();
    void this.#start(plan);
  }

  async #start(plan: Exclude<RestartPlan, { action: "wait" }>): Promise<void> {
    const self = this.#options.self;
    const args =
      plan.action === "replica_of"
        ? ["--replicaof", plan.primary.host, String(plan.primary.port)]
        : plan.action === "held"
          ? ["--replicaof", self.host, String(self.port)]
          : [];
    this.#host.counters.inc("restarts_total", { as: plan.action });
    this.#host.logger.warn(
      {
        event: "redis_restarting",
        as: plan.action,
        ...(plan.action === "held" ? { reason: plan.reason } : {}),
        args,
      },
      "restarting redis-server",
    );
    this.#check_pending = true;
    this.#setPhase(plan.action === "held" ? "held" : "running");
    await this.#host.startServer(args);
    this.started();
  }

  #checkData(keys_now: number): void {
    const verdict = dataCheck({ keys_before: this.#keys_before, keys_now, loading: false });
    if (verdict === "empty") {
      this.#data_lost = true;
      this.#host.counters.inc("empty_after_restart_total", {});
      const held = this.#phase === "held";
      const fields = { event: "empty_after_restart", keys_before: this.#keys_before, held };
      // Held: a former primary reborn empty, an operator must know. A replica resyncs anyway.
      if (held) {
        this.#host.logger.error(
          fields,
          "redis-server came back empty: data_lost, kept held (serves no SYNC)",
        );
      } else {
        this.#host.logger.warn(fields, "redis-server came back empty: data_lost until it has synced");
      }
      this.#host.changed();
      return;
    }
    this.#keys_before = keys_now;
    if (this.#phase === "held") this.#release(null);
  }

  #release(primary: Address | null): void {
    if (this.#releasing) return;
    this.#releasing = true;
    this.#host
      .releaseHeld(primary)
      .then((done) => {
        this.#releasing = false;
        if (done) this.#setPhase("running");
        else if (primary === null) this.#check_pending = true; // checked again on the next probe
      })
      .catch(() => {
        this.#releasing = false;
      });
  }

  #setPhase(phase: RestartPhase): void {
    if (this.#phase === phase) return;
    this.#phase = phase;
    this.#host.changed();
  }
}
