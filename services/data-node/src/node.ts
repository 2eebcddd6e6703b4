// The data-node's loop: timers and events feed observations in; pure functions (epoch.ts) and the
// shell's loops (data-node-shell: DataNodeLoop, DataNodeCommands in its CommandQueue, ProbeSchedule,
// Restarter, StatusReporter for the report and the replies) decide; the adapters (RedisControl,
// Supervisor, NATS) do the I/O.
//   poll tick    -> probe redis -> observe -> publish at once if something significant changed
//   report tick  -> publish the status (offsets travel here)
//   child exit   -> observe -> publish at once
//   command      -> decode -> data-node-shell DataNodeCommands (epoch check -> persist -> probe
//                   -> redis transaction -> probe) -> reply from the status (StatusReporter)
//   self-fence   -> observation / topology record / lease grant / tick -> decideSelfFence
//                   (self-fence.ts) -> fence on the existing connection (its state written
//                   beside it) -> probe
//   write lease  -> lease tick (a quarter of the lease held): publish lease_request; grants ->
//                   write-lease.ts (ADR 0001); NATS down or the lease low: the same request to
//                   the agents directly too (failsafe: lease-channel.ts decides, lease-direct.ts
//                   sends)
import { readFile, rm } from "node:fs/promises";
import {
  decodeLeaseGrant,
  decodeNodeCommand,
  encodeMessage,
  nodeCommandSubject,
  nodeLeaseGrantSubject,
  agentSubjectSender,
  nodeLeaseSubject,
  nodeStatusSubject,
  spError,
} from "@sentinel-plane/protocol";
import type {
  LeaseRequest as WireLeaseRequest,
  NodeCommandReply,
  NodeCommandRequest,
  NodeStatusReport,
  Result,
  WireTopologyRecord,
} from "@sentinel-plane/protocol";
import type { MsgHdrs } from "@nats-io/transport-node";
import {
  connectNats,
  Counters,
  errorMessage,
  getTracer,
  inMessageContext,
  TOPOLOGY_BUCKET_DEFAULTS,
  TopologyStore,
  withSpan,
} from "@sentinel-plane/runtime";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";
import {
  isFenced,
  leaseRequestIntervalMs,
  FENCE_MARKER,
  minReplicasFromConfig,
} from "@sentinel-plane/core/data-node";
import type { AcceptedEpoch } from "@sentinel-plane/core/data-node";
import {
  CommandQueue,
  DataNodeCommands,
  DataNodeLoop,
  nodeClock,
  nodeTimers,
  observedOf,
  ProbeSchedule,
  releaseHeld,
  Restarter,
  StatusReporter,
} from "@sentinel-plane/data-node-shell";
import type {
  ChildState,
  CommandPorts,
  DataNodePorts,
  Observation,
  PromoteFence,
  RedisFence,
  StatusReporterPorts,
} from "@sentinel-plane/data-node-shell";
import type { DataNodeConfig } from "./config.js";
import { decideAdoption, probePort, readRecordedProcess } from "./adopt.js";
import type { Adoption } from "./adopt.js";
import { fenceSteps, OPTIONAL_STEPS, RedisControl, roleChangeSteps } from "./redis-control.js";
import type { Step } from "./redis-control.js";
import { DirectLease } from "./lease-direct.js";
import { orphanFenceCommand, redisCliPath } from "./orphan-fence.js";
import { RedisWatchdog } from "./watchdog.js";
import { loadState, saveState } from "./state.js";
import type { PersistedState } from "./state.js";
import { checkReinit, dataFiles } from "./reinit.js";
import { restartFollows, shutdownPlan } from "@sentinel-plane/core/data-node";
import { switchoverBeforeStop } from "./shutdown-switchover.js";
import { Supervisor } from "./supervisor.js";
import { StrictMode } from "./strict-mode.js";

interface CommandMessage {
  readonly data: Uint8Array;
  readonly reply?: string;
  /** W3C trace context of the issuing agent's failover, when it exports traces. */
  readonly headers?: MsgHdrs | undefined;
  respond(data: string): boolean;
}

export class DataNode {
  readonly #config: DataNodeConfig;
  readonly #logger: Logger;
  readonly #redis: RedisControl;
  readonly #supervisor: Supervisor | null;
  /** Self-healing (data-node-shell restarter.ts): restarts after a crash; null in attach mode. */
  readonly #restarter: Restarter | null;
  readonly counters = new Counters();
  readonly #tracer = getTracer("data-node");
  #state: PersistedState = { v: 1, epoch: 0, issuer: null, fence_saved: null };
  #child: ChildState | null = null;
  /**
   * The status report and command replies (data-node-shell StatusReporter: the latest probe's
   * observation, the last error, the fence note, the seq, the report last published).
   */
  readonly #reporter: StatusReporter;
  /** The probes of the server and what each observation feeds (data-node-shell ProbeSchedule). */
  readonly #probes: ProbeSchedule;
  #nc: NatsConnection | null = null;
  /** Commands, self-fences and strict mode's fences, one at a time (data-node-shell CommandQueue). */
  readonly #queue = new CommandQueue();
  readonly #timers: NodeJS.Timeout[] = [];
  #stopping = false;
  /** Set once the supervised server is stopped: no probe outcome or status is taken after it. */
  #closing = false;
  #persisting: Promise<unknown> = Promise.resolve();
  /**
   * The write lease and the self-fence (data-node-shell DataNodeLoop: lease requests and grants,
   * the lease end, the self-fence rules, the lift of its own lease fence, the watchdog's lines).
   */
  readonly #loop: DataNodeLoop;
  /** The server as the self-fence, the command path and the held release see it (#fencePort). */
  readonly #fence: RedisFence = this.#fencePort();
  /** An agent's promote, replicaof, fence and unfence (data-node-shell DataNodeCommands). */
  readonly #command_path: DataNodeCommands;
  /** Failsafe (lease-direct.ts); null when no agents are configured or it is turned off. */
  readonly #direct_lease: DirectLease | null;
  #topology: TopologyStore | null = null;
  #committed: { readonly record: WireTopologyRecord | null; readonly revision: number } | null = null;
  /** What #rememberServer last persisted or is persisting (null: nothing known yet). */
  #running_saving: { readonly running_role: "master" | "slave"; readonly had_keys: boolean | null } | null =
    null;
  #shutting_down: Promise<void> | null = null;
  /** What a `shutdown` command runs (main.ts: the same path as SIGTERM); null: refused. */
  #on_shutdown_request: (() => void) | null = null;
  /** reinit stops redis-server itself: that exit is no crash. */
  #reinit_stopping = false;
  /** The opt-in strict mode (strict-mode.ts); null when min_replicas_max_lag_ms is 0. */
  readonly #strict: StrictMode | null;
  /** The Redis watchdog (watchdog.ts); null in attach mode or with supervise.watchdog "off". */
  readonly #watchdog: RedisWatchdog | null;

  constructor(config: DataNodeConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#direct_lease =
      config.failsafe === null
        ? null
        : new DirectLease({
            ...config.failsafe,
            on_grant: (grant) => {
              this.#loop.grant(grant);
            },
            logger,
            counters: this.counters,
          });
    this.#redis = new RedisControl(
      {
        host: config.redis.host,
        port: config.redis.port,
        ...(config.redis.user === undefined ? {} : { user: config.redis.user }),
        ...(config.redis.password === undefined ? {} : { password: config.redis.password }),
        ...(config.redis.tls === undefined ? {} : { tls: config.redis.tls }),
        node_id: config.node_id,
        probe_timeout_ms: config.probe_timeout_ms,
        command_timeout_ms: config.command_timeout_ms,
      },
      logger,
    );
    this.#supervisor =
      config.supervise === null
        ? null
        : new Supervisor(
            { ...config.supervise, state_dir: config.state_dir, adopted_poll_ms: config.poll_interval_ms },
            logger,
            (code, signal) => {
              this.#onChildExit(code, signal);
            },
          );
    this.#restarter = config.supervise === null ? null : this.#newRestarter(config.supervise);
    this.#strict = config.min_replicas_max_lag_ms === 0 ? null : this.#newStrictMode(config);
    this.#watchdog =
      config.supervise?.watchdog === "on"
        ? new RedisWatchdog(
            config.state_dir,
            logger,
            orphanFenceCommand(redisCliPath(config.supervise.redis_server_path), config.redis),
          )
        : null;
    this.#reporter = this.#newReporter(config);
    this.#loop = new DataNodeLoop(
      {
        node_id: config.node_id,
        master_name: config.master_name,
        announce: config.announce,
        lease_ms: config.lease_ms,
        hang_fence_after_ms: config.hang_fence_after_ms,
        failsafe_agents: config.failsafe?.agents ?? [],
      },
      this.#loopPorts(this.#fence),
    );
    this.#command_path = new DataNodeCommands({ lease_ms: config.lease_ms }, this.#commandPorts(this.#fence));
    this.#probes = this.#newProbeSchedule();
  }

  /** The probes over ioredis; each observation also updates the state file's running role. */
  #newProbeSchedule(): ProbeSchedule {
    return new ProbeSchedule({
      probe: () => this.#redis.probe(),
      seen: (observation) => {
        this.#rememberServer(observation);
      },
      closed: () => this.#closing,
      loop: this.#loop,
      reporter: this.#reporter,
      restarter: this.#restarter,
    });
  }

  /** The report over the wall clock, the supervised child, the state file and NATS. */
  #newReporter(config: DataNodeConfig): StatusReporter {
    const ports: StatusReporterPorts = {
      wall: { wall_now_ms: () => Date.now() },
      child: () => this.#child,
      accepted: () => this.#accepted(),
      healing: () => this.#restarter?.report() ?? null,
      sink: {
        stopped: () => this.#stopping,
        send: (status) => {
          this.#sendStatus(status);
        },
      },
      logger: this.#logger,
    };
    const options = {
      cluster_id: config.cluster_id,
      node_id: config.node_id,
      address: config.announce,
      // The wall clock in microseconds: the seq also grows across restarts.
      last_seq: Date.now() * 1000,
    };
    return new StatusReporter(options, ports);
  }

  /** The loop's ports: Node's clock and timers, NATS, the direct channel, the server, the watchdog. */
  #loopPorts(fence: RedisFence): DataNodePorts {
    return {
      clock: nodeClock,
      timers: nodeTimers,
      bus: {
        open: () => this.#nc !== null && !this.#nc.isClosed(),
        publish: (request) => {
          this.#publishLeaseRequest(request);
        },
      },
      direct: this.#direct_lease,
      watchdog: this.#watchdog,
      redis: fence,
      status: {
        note: (fence_note) => {
          this.#reporter.note(fence_note);
        },
        error: (last_error) => {
          this.#reporter.error(last_error);
        },
        publish: () => {
          this.#reporter.publishNow();
        },
      },
      logger: this.#logger,
      counters: this.counters,
    };
  }

  /** The server, the command queue and the state file, as the self-fence uses them. */
  #fencePort(): DataNodePorts["redis"] {
    return {
      current: () => observedOf(this.#reporter.observation),
      exited: () => this.#child?.state === "exited",
      unansweredSinceMs: () => this.#redis.unansweredSinceMs(),
      epoch: () => this.#state.epoch,
      queued: (change, failed) => {
        this.#queue.run(change).catch(failed);
      },
      freshProbe: () => this.#freshProbe(),
      saveFence: (fence_saved, raise) => {
        // Null only if nothing answered since the start: keep what an earlier process saved.
        const saving = fence_saved ?? this.#state.fence_saved ?? 0;
        return this.#persist((state) => ({
          ...state,
          fence_saved: saving,
          // A new epoch nobody issued a command for yet: the first agent to command it owns it.
          ...(raise !== null && raise > state.epoch ? { epoch: raise, issuer: null } : {}),
        }));
      },
      fence: (has_config_file) => this.#redis.transaction(fenceSteps(has_config_file), OPTIONAL_STEPS),
      unfence: (has_config_file) =>
        this.#redis.transaction(
          [
            ["CONFIG", ["SET", "min-replicas-to-write", this.#state.fence_saved ?? 0]],
            ...(has_config_file ? [["CONFIG", ["REWRITE"]] as const] : []),
          ],
          OPTIONAL_STEPS,
        ),
      clearFenceSaved: (done) => this.#clearFenceSaved(done),
      strictHoldsFence: () => this.#strict?.holdsFence() === true,
    };
  }

  /** The command path's ports: the loop's, ioredis transactions, the state file, strict mode. */
  #commandPorts(fence: RedisFence): CommandPorts {
    return {
      loop: this.#loop,
      redis: fence,
      server: {
        promote: (has_config_file, fence_step) =>
          this.#redis.transaction(
            roleChangeSteps(null, has_config_file, this.#promoteFenceSteps(fence_step)),
            OPTIONAL_STEPS,
          ),
        replicaof: (target, has_config_file) =>
          this.#redis.transaction(roleChangeSteps(target, has_config_file, []), OPTIONAL_STEPS),
      },
      epochs: {
        accepted: () => this.#accepted(),
        accept: (next) => this.#persist((state) => ({ ...state, epoch: next.epoch, issuer: next.issuer })),
      },
      probeError: () => this.#reporter.observation.error,
      strict: this.#strict,
      beforePromote: async () => {
        if (this.#supervisor === null) return;
        await this.#saveRunning({ running_role: "master", had_keys: this.#running_saving?.had_keys ?? null });
      },
      status: {
        note: (fence_note) => {
          this.#reporter.note(fence_note);
        },
        error: (last_error) => {
          this.#reporter.error(last_error);
        },
        changed: () => {
          this.#reporter.publishIfChanged();
        },
      },
      counters: this.counters,
    };
  }

  /** A promote's fence steps, before REPLICAOF NO ONE in the same transaction. */
  #promoteFenceSteps(fence: PromoteFence): Step[] {
    if (fence === "keep") return [];
    const value = fence === "set" ? FENCE_MARKER : (this.#state.fence_saved ?? 0);
    return [["CONFIG", ["SET", "min-replicas-to-write", value]]];
  }

  #newRestarter(supervise: NonNullable<DataNodeConfig["supervise"]>): Restarter {
    return new Restarter(
      {
        enabled: supervise.restart_on_exit,
        policy: {
          backoff_initial_ms: supervise.restart_delay_ms,
          backoff_max_ms: supervise.restart_backoff_max_ms,
          stable_after_ms: supervise.restart_stable_after_ms,
          crash_loop_max: supervise.crash_loop_max,
          crash_loop_window_ms: supervise.crash_loop_window_ms,
        },
        primary_wait_ms: supervise.restart_primary_wait_ms,
        self: this.#config.announce,
        topology_followed: this.#config.master_name !== null,
      },
      {
        logger: this.#logger,
        counters: this.counters,
        clock: nodeClock,
        timers: nodeTimers,
        // Not a record older than the accepted epoch (core restart-plan.ts restartFollows).
        committedPrimary: () => restartFollows(this.#committed?.record ?? null, this.#state.epoch),
        startServer: (extra_args) => this.#restartServer(extra_args),
        releaseHeld: (primary) => this.#releaseHeld(primary),
        changed: () => {
          this.#reporter.publishNow();
        },
      },
    );
  }

  /** A restart after a crash: always fenced, so remember what `unfence` restores first. */
  async #restartServer(extra_args: readonly string[]): Promise<void> {
    const supervisor = this.#supervisor;
    const supervise = this.#config.supervise;
    if (supervisor === null || supervise === null || this.#stopping) return;
    await this.#prepareSupervisedStart(supervise.redis_config_path);
    if (this.#stopped()) return; // stop() may have run during the await
    this.#child = { state: "running" };
    this.#reporter.serverStarted();
    supervisor.start({ extra_args });
    if (supervisor.pid !== null) this.#watchdog?.serverStarted(supervisor.pid);
  }

  /** Ends the restarter's held state, behind the queued commands (data-node-shell held-release.ts). */
  #releaseHeld(primary: { readonly host: string; readonly port: number } | null): Promise<boolean> {
    return releaseHeld(
      {
        queue: this.#queue,
        server: this.#fence,
        roleChange: (target, has_config_file) =>
          this.#redis.transaction(roleChangeSteps(target, has_config_file, []), OPTIONAL_STEPS),
        logger: this.#logger,
      },
      primary,
    );
  }

  #newStrictMode(config: DataNodeConfig): StrictMode {
    const redis = config.redis;
    return new StrictMode(
      {
        max_lag_ms: config.min_replicas_max_lag_ms,
        min_replicas: config.min_replicas,
        node_id: config.node_id,
        redis: {
          host: redis.host,
          port: redis.port,
          ...(redis.user === undefined ? {} : { user: redis.user }),
          ...(redis.password === undefined ? {} : { password: redis.password }),
          ...(redis.tls === undefined ? {} : { tls: redis.tls }),
        },
        command_timeout_ms: config.command_timeout_ms,
      },
      {
        server: () => {
          const o = this.#reporter.observation;
          const role = o.info?.role;
          if (o.answered !== true || role === undefined) return null;
          return { role, fenced: isFenced(o.min_replicas_to_write), info: o.info };
        },
        fence: (detail) => this.#queue.run(() => this.#strictFence(detail)),
        unfence: () => this.#queue.run(() => this.#strictUnfence()),
      },
      this.#logger,
    );
  }

  /** Strict mode: fence, as the self-fences do (value to restore persisted first). */
  async #strictFence(detail: string): Promise<boolean> {
    await this.#freshProbe();
    const observed = this.#reporter.observation;
    if (observed.info?.role !== "master") return false;
    if (isFenced(observed.min_replicas_to_write)) return true;
    const fence_saved = observed.min_replicas_to_write ?? 0;
    const saved = await this.#persist((state) => ({ ...state, fence_saved }));
    if (!saved.ok) return false; // not fenced: its value could not be restored (asked again)
    const result = await this.#redis.transaction(
      fenceSteps((observed.config_file ?? "") !== ""),
      OPTIONAL_STEPS,
    );
    if (result.ok) this.#reporter.note(`fenced (min_replicas): ${detail}`);
    await this.#freshProbe();
    const fenced = isFenced(this.#reporter.observation.min_replicas_to_write);
    if (fenced) this.counters.inc("self_fences_total", { reason: "min_replicas" });
    this.#logger.warn(
      { event: fenced ? "fenced" : "fence_failed", reason: "min_replicas", detail },
      "strict mode fence",
    );
    this.#reporter.publishNow();
    return fenced;
  }

  /** Strict mode: lift its own fence (replicas in sync again). */
  async #strictUnfence(): Promise<boolean> {
    await this.#freshProbe();
    const observed = this.#reporter.observation;
    if (!isFenced(observed.min_replicas_to_write)) return true;
    // The write lease still rules: no lift without a valid lease (asked again on the next tick).
    if (this.#loop.lease_fenced && !this.#loop.liftAllowed(this.#state.epoch)) return false;
    if (this.#loop.unfenceWaits(observed.info?.role ?? null)) return false;
    this.#loop.feedWatchdog(true); // armed before the server is writable
    const result = await this.#redis.transaction(
      [
        ["CONFIG", ["SET", "min-replicas-to-write", this.#state.fence_saved ?? 0]],
        ...((observed.config_file ?? "") !== "" ? [["CONFIG", ["REWRITE"]] as const] : []),
      ],
      OPTIONAL_STEPS,
    );
    if (result.ok) {
      await this.#clearFenceSaved([]);
      this.#reporter.note(null);
      this.#loop.lease_fenced = false;
    }
    await this.#freshProbe();
    const unfenced = !isFenced(this.#reporter.observation.min_replicas_to_write);
    this.#logger.info(
      { event: unfenced ? "unfenced" : "unfence_failed", reason: "min_replicas" },
      "strict mode unfence",
    );
    this.#reporter.publishNow();
    return unfenced;
  }

  async start(): Promise<Result<void>> {
    const loaded = await loadState(this.#config.state_dir);
    if (!loaded.ok) return loaded;
    this.#state = loaded.value;
    const running_role = this.#state.running_role ?? null;
    this.#running_saving =
      running_role === null ? null : { running_role, had_keys: this.#state.had_keys ?? null };
    this.#logger.info(
      {
        event: "state_loaded",
        epoch: this.#state.epoch,
        issuer: this.#state.issuer,
        running_role: this.#state.running_role ?? null,
      },
      "state loaded",
    );
    if (this.#supervisor !== null && this.#config.supervise !== null) {
      const prepared = await this.#prepareSupervisedStart(this.#config.supervise.redis_config_path);
      if (!prepared.ok) return prepared;
      const adoption = await this.#findRunningServer(this.#config.supervise);
      if (adoption.action === "refuse") return { ok: false, error: adoption.error };
      this.#child = { state: "running" };
      if (adoption.action === "adopt") {
        this.#logger.info(
          { event: "redis_adopted", pid: adoption.pid, evidence: adoption.evidence },
          "redis-server already running: adopted, not started again",
        );
        this.#supervisor.adopt(adoption.pid);
        await this.#watchdog?.serverAdopted(adoption.pid);
        this.#restarter?.started();
      } else if (this.#restarter?.startWithoutServer(this.#running_saving) === true) {
        // Started by the restart plan (restarter.ts): as a replica once another primary is
        // committed, held after restart_primary_wait_ms. Until then the agents see no process,
        // as after a crash (they need not wait out its lease to fail over).
        this.#child = { state: "exited", code: null, signal: null };
        this.#reporter.error("redis-server not running: it was a master when last seen (crashed)");
      } else {
        this.#supervisor.start();
        if (this.#supervisor.pid !== null) this.#watchdog?.serverStarted(this.#supervisor.pid);
        this.#restarter?.started();
      }
    }
    this.#redis.start();
    this.#strict?.start();
    this.#timers.push(
      setInterval(() => {
        this.#probes.poll();
      }, this.#config.poll_interval_ms),
    );
    if (this.#config.lease_ms > 0) {
      this.#logger.info(
        {
          event: "write_lease",
          lease_ms: this.#config.lease_ms,
          request_interval_ms: leaseRequestIntervalMs(this.#config.lease_ms, null),
        },
        "write lease on: a running unfenced master is fenced until a majority of agents grant a lease",
      );
      this.#loop.start();
    }
    this.#timers.push(
      setInterval(() => {
        this.#reporter.publishNow();
      }, this.#config.report_interval_ms),
    );
    void this.#probes.probeNow();
    void this.#connect();
    return { ok: true, value: undefined };
  }

  /** Our redis-server may have outlived a previous data-node (adopt.ts). */
  async #findRunningServer(supervise: NonNullable<DataNodeConfig["supervise"]>): Promise<Adoption> {
    const recorded = await readRecordedProcess(this.#config.state_dir);
    const redis = this.#config.redis;
    const port = await probePort({
      host: redis.host,
      port: redis.port,
      ...(redis.user === undefined ? {} : { user: redis.user }),
      ...(redis.password === undefined ? {} : { password: redis.password }),
      ...(redis.tls === undefined ? {} : { tls: redis.tls }),
      timeout_ms: this.#config.probe_timeout_ms,
    });
    const adoption = decideAdoption({ config_path: supervise.redis_config_path, recorded, port });
    if (adoption.action === "refuse") {
      this.#logger.error(
        { event: "redis_not_ours", code: adoption.error.code, error: adoption.error.message },
        "the configured port is held by another redis-server",
      );
    }
    return adoption;
  }

  /**
   * Remembers the config file's min-replicas-to-write for `unfence` when nothing is saved: the
   * server starts fenced (start_fenced), or an adopted one may have been fenced by the watchdog's
   * orphan fence (core watchdog.ts), which saves nothing.
   */
  async #prepareSupervisedStart(redis_config_path: string): Promise<Result<void>> {
    if (this.#state.fence_saved !== null) return { ok: true, value: undefined };
    let configured = 0;
    try {
      configured = minReplicasFromConfig(await readFile(redis_config_path, "utf8"));
    } catch (error) {
      this.#logger.warn(
        { event: "redis_config_unreadable", error: errorMessage(error) },
        "cannot read redis config",
      );
    }
    return this.#persist((state) => ({ ...state, fence_saved: configured }));
  }

  async #connect(): Promise<void> {
    const natsConfig = this.#config.nats;
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        const nc = await connectNats(
          { ...natsConfig, name: `sp-data-node-${this.#config.node_id}` },
          this.#logger,
        );
        if (this.#stopped()) {
          await nc.close();
          return;
        }
        this.#nc = nc;
        this.#loop.bus_connected = true;
        void this.#followBusStatus(nc);
        nc.subscribe(nodeCommandSubject(this.#config.cluster_id, this.#config.node_id), {
          callback: (error, msg) => {
            if (error !== null) {
              this.#logger.error(
                { event: "subscription_error", error: error.message },
                "command subscription error",
              );
              return;
            }
            this.#enqueue(msg);
          },
        });
        if (this.#config.lease_ms > 0) {
          nc.subscribe(nodeLeaseGrantSubject(this.#config.cluster_id, this.#config.node_id), {
            callback: (error, msg) => {
              if (error === null) this.#onLeaseGrant(msg.subject, msg.data);
            },
          });
        }
        // A flush is a round trip: once it returns, the server has the subscriptions.
        await nc.flush();
        this.#loop.requestLease();
        this.#startTopologyWatch(nc);
        this.#logger.info(
          {
            event: "commands_ready",
            subject: nodeCommandSubject(this.#config.cluster_id, this.#config.node_id),
          },
          "serving commands",
        );
        this.#reporter.publishNow();
        return;
      } catch (error) {
        // Only non-transient failures (bad options, auth) end up here; retry with a bounded wait.
        const wait_ms = Math.min(30_000, natsConfig.reconnect_wait_ms * attempt);
        this.#logger.error(
          { event: "nats_connect_failed", error: errorMessage(error), wait_ms },
          "cannot connect to NATS",
        );
        await new Promise((resolve) => setTimeout(resolve, wait_ms));
      }
    }
  }

  #startTopologyWatch(nc: NatsConnection): void {
    const master_name = this.#config.master_name;
    if (master_name === null) {
      this.#logger.warn(
        { event: "topology_not_followed" },
        "no master_name configured: the committed topology is not followed",
      );
      return;
    }
    this.#topology = new TopologyStore(
      nc,
      {
        cluster_id: this.#config.cluster_id,
        bucket: TOPOLOGY_BUCKET_DEFAULTS,
        request_timeout_ms: this.#config.command_timeout_ms,
        masters: [master_name],
        refresh_interval_ms: this.#config.report_interval_ms,
        retry_base_ms: this.#config.nats.reconnect_wait_ms,
        retry_max_ms: 5000,
        under_replicated: "follow",
      },
      this.#logger,
    );
    this.#topology.start((_master, read) => {
      if (read.kind === "invalid") {
        this.#logger.warn(
          { event: "topology_invalid", revision: read.revision, error: read.reason },
          "committed topology record ignored",
        );
      } else this.#onTopology(read.kind === "record" ? read.record : null, read.revision);
    });
  }

  #onTopology(record: WireTopologyRecord | null, revision: number): void {
    if (this.#committed !== null && revision <= this.#committed.revision) return;
    this.#committed = { record, revision };
    this.#restarter?.onTopology();
    this.#logger.info(
      {
        event: "topology_observed",
        revision,
        config_epoch: record?.config_epoch ?? null,
        primary: record?.primary ?? null,
      },
      "committed topology observed",
    );
    this.#loop.topologyObserved(
      record === null ? null : { config_epoch: record.config_epoch, primary: record.primary },
    );
  }

  // ------------------------------------------------------------------------------------------
  // Observations

  /** A probe sent after this call (a command's effect must be visible in it). */
  #freshProbe(): Promise<void> {
    return this.#probes.freshProbe();
  }

  /** Persists what a start must know of the running server when it changes (state.ts). */
  #rememberServer(observation: Observation): void {
    if (this.#supervisor === null || observation.answered !== true || observation.info === null) return;
    const had_keys =
      observation.keys === undefined ? (this.#running_saving?.had_keys ?? null) : observation.keys > 0;
    void this.#saveRunning({ running_role: observation.info.role, had_keys });
  }

  /** Persists `seen` unless it is what was last saved (or is being saved). */
  async #saveRunning(seen: {
    readonly running_role: "master" | "slave";
    readonly had_keys: boolean | null;
  }): Promise<void> {
    const saving = this.#running_saving;
    if (saving !== null && saving.running_role === seen.running_role && saving.had_keys === seen.had_keys)
      return;
    this.#running_saving = seen;
    const saved = await this.#persist((state) => ({ ...state, ...seen }));
    if (saved.ok) {
      this.#logger.info(
        { event: "running_role_saved", role: seen.running_role, had_keys: seen.had_keys },
        "server's role saved",
      );
      return;
    }
    this.#running_saving = null; // tried again with the next observation
    this.#logger.warn(
      { event: "state_save_failed", code: saved.error.code, error: saved.error.message },
      "cannot save the server's role",
    );
  }

  #onChildExit(code: number | null, signal: string | null): void {
    // What the dead process last answered says nothing of the next one: a restarted server starts
    // fenced, and kept as "writable master" this view armed the new server's watchdog with the
    // lease, which killed it when it was slow to answer its first probe, and so on (a loop).
    this.#loop.serverExited();
    if (this.#reinit_stopping) {
      // Our own stop for a reinit: no crash, nothing to restart here.
      this.#child = { state: "exited", code, signal };
      this.#watchdog?.serverExited();
      this.#logger.info({ event: "redis_stopped", reason: "reinit" }, "redis-server stopped for reinit");
      return;
    }
    this.#child = { state: "exited", code, signal };
    this.#watchdog?.serverExited();
    this.#reporter.error(`redis-server exited (code ${code ?? "none"}, signal ${signal ?? "none"})`);
    this.#reporter.publishIfChanged();
    this.#logger.warn({ event: "redis_exited", code, signal }, "redis-server exited");
    if (!this.#stopping) this.#restarter?.onExit();
  }

  // ------------------------------------------------------------------------------------------
  // Reports

  /** Read through a method: `stopping` may change while an await is pending. */
  #stopped(): boolean {
    return this.#stopping;
  }

  #accepted(): AcceptedEpoch {
    return { epoch: this.#state.epoch, issuer: this.#state.issuer };
  }

  /** The reporter's sink: the report on NATS (dropped while not connected: the next one follows). */
  #sendStatus(status: NodeStatusReport): void {
    const nc = this.#nc;
    if (nc === null || nc.isClosed()) return;
    try {
      nc.publish(nodeStatusSubject(this.#config.cluster_id, this.#config.node_id), encodeMessage(status));
    } catch (error) {
      this.#logger.warn({ event: "publish_failed", error: errorMessage(error) }, "status publish failed");
    }
  }

  // ------------------------------------------------------------------------------------------
  // Commands: one at a time, in arrival order, at most commands_in_flight_max waiting.

  #enqueue(msg: CommandMessage): void {
    const max = this.#config.commands_in_flight_max;
    const handled = this.#queue.admit(max, () => inMessageContext(msg.headers, () => this.#handle(msg)));
    if (handled === null) {
      this.#respond(msg, this.#reporter.refusal(spError("SP_ERR_OVERLOADED", [max])));
      return;
    }
    handled.catch((error: unknown) => {
      this.#logger.error({ event: "command_crashed", error: errorMessage(error) }, "command handler failed");
      this.#respond(
        msg,
        this.#reporter.refusal(spError("SP_ERR_REDIS_COMMAND_FAILED", ["handler", errorMessage(error)])),
      );
    });
  }

  #respond(msg: CommandMessage, reply: NodeCommandReply): void {
    if (msg.reply === undefined || msg.reply === "") return;
    try {
      msg.respond(encodeMessage(reply));
    } catch (error) {
      this.#logger.warn({ event: "reply_failed", error: errorMessage(error) }, "reply failed");
    }
  }

  #handle(msg: CommandMessage): Promise<void> {
    return withSpan(
      this.#tracer,
      "data-node.command",
      { "sp.node_id": this.#config.node_id },
      async (span) => {
        const decoded = decodeNodeCommand(msg.data);
        if (!decoded.ok) {
          const count = this.counters.inc("malformed_messages_total", { kind: "node_command" });
          span.setAttribute("sp.error_code", decoded.error.code);
          this.#logger.warn(
            { event: "malformed_command", code: decoded.error.code, error: decoded.error.message, count },
            "malformed command refused",
          );
          this.#respond(msg, this.#reporter.refusal(decoded.error));
          return;
        }
        const request = decoded.value;
        span.setAttributes({
          "sp.command": request.command.type,
          "sp.epoch": request.epoch,
          "sp.issuer": request.issuer,
        });
        const reply = await this.#execute(request);
        if (!reply.ok) span.setAttribute("sp.error_code", reply.code);
        this.counters.inc("commands_total", {
          command: request.command.type,
          outcome: reply.ok ? "ok" : reply.code,
        });
        this.#logger.info(
          {
            event: "command",
            command: request.command,
            epoch: request.epoch,
            issuer: request.issuer,
            ok: reply.ok,
            ...(reply.ok
              ? { done: reply.done, role: reply.role, offset: reply.offset }
              : { code: reply.code, error: reply.message }),
          },
          reply.ok ? "command executed" : "command refused",
        );
        this.#respond(msg, reply);
      },
    );
  }

  /**
   * Persists `update(current state)`, one write at a time: commands and self-fences both change
   * the state, and the update sees the state as the previous write left it.
   */
  #persist(update: (state: PersistedState) => PersistedState): Promise<Result<void>> {
    const write = async (): Promise<Result<void>> => {
      const next = update(this.#state);
      const saved = await saveState(this.#config.state_dir, next);
      if (saved.ok) this.#state = next;
      return saved;
    };
    const result = this.#persisting.then(write, write);
    this.#persisting = result;
    return result;
  }

  async #execute(request: NodeCommandRequest): Promise<NodeCommandReply> {
    const command = request.command;
    if (command.type === "status") {
      // Read-only: answered whatever the epoch, and it does not raise it.
      await this.#freshProbe();
      return this.#reporter.reply("status", [], true);
    }
    if (command.type === "reinit" || command.type === "restart_reset" || command.type === "shutdown") {
      return this.#operatorCommand(request, command.type);
    }
    const outcome = await this.#command_path.execute({
      epoch: request.epoch,
      issuer: request.issuer,
      command,
    });
    if (!outcome.ok) return this.#reporter.refusal(outcome.error);
    return this.#reporter.reply(command.type, outcome.done, false);
  }

  /**
   * Operator commands (an agent relays them from the API): refused for a stale epoch, but they
   * take no part in failovers, so any agent may send them at the current epoch and they raise
   * none. restart_reset ends a crash loop; reinit resyncs a replica from nothing (reinit.ts).
   */
  async #operatorCommand(
    request: NodeCommandRequest,
    type: "reinit" | "restart_reset" | "shutdown",
  ): Promise<NodeCommandReply> {
    if (request.epoch < this.#state.epoch) {
      const held = this.#accepted();
      return this.#reporter.refusal(
        spError("SP_ERR_STALE_EPOCH", [request.epoch, held.epoch, held.issuer ?? "none"]),
      );
    }
    if (type === "shutdown") return this.#shutdownCommand();
    if (type === "restart_reset") return this.#restartResetCommand();
    return this.#reinitCommand();
  }

  async #shutdownCommand(): Promise<NodeCommandReply> {
    const requested = this.#on_shutdown_request;
    if (requested === null) {
      return this.#reporter.refusal(spError("SP_ERR_ADMIN_REFUSED", ["no shutdown handler"]));
    }
    // After the reply is sent: the stop drains NATS, and a primary's switchover needs the
    // command queue this command occupies.
    setTimeout(requested, 0);
    await this.#freshProbe();
    return this.#reporter.operatorReply("shutdown", ["shutdown started (a primary switches over first)"]);
  }

  async #restartResetCommand(): Promise<NodeCommandReply> {
    const restarter = this.#restarter;
    if (restarter === null) {
      return this.#reporter.refusal(spError("SP_ERR_ADMIN_REFUSED", ["attach mode: no restarts"]));
    }
    const done = [restarter.reset()];
    await this.#freshProbe();
    return this.#reporter.operatorReply("restart_reset", done);
  }

  /** reinit: drop this replica's data and resync it from the committed primary (reinit.ts). */
  async #reinitCommand(): Promise<NodeCommandReply> {
    // Our connection may be reconnecting (a server just restarted, a role change's CLIENT KILL;
    // ioredis waits up to 500 ms between attempts): probe until it answers, for command_timeout_ms.
    const answer_by_ms = nodeClock.now_ms() + this.#config.command_timeout_ms;
    await this.#freshProbe();
    while (this.#reporter.observation.answered !== true && nodeClock.now_ms() < answer_by_ms) {
      await new Promise((resolve) => setTimeout(resolve, this.#config.poll_interval_ms));
      await this.#freshProbe();
    }
    const check = checkReinit({
      supervised: this.#supervisor !== null,
      answered: this.#reporter.observation.answered === true,
      role: this.#reporter.observation.info?.role ?? null,
      committed_primary: this.#committed?.record?.primary ?? null,
      self: this.#config.announce,
    });
    if (!check.ok) return this.#reporter.refusal(spError(check.code, [check.reason]));
    const config = await this.#redis.configGet(["dir", "dbfilename", "appenddirname", "appendfilename"]);
    if (!config.ok) return this.#reporter.refusal(config.error);
    const files = dataFiles(config.value);
    this.#logger.warn(
      { event: "reinit", primary: check.primary, files },
      "reinit: dropping data, full resync",
    );
    this.#reinit_stopping = true;
    try {
      await this.#supervisor?.stop();
    } finally {
      this.#reinit_stopping = false;
    }
    for (const file of files) await rm(file, { recursive: true, force: true });
    this.#restarter?.reinitialised();
    await this.#restartServer(["--replicaof", check.primary.host, String(check.primary.port)]);
    this.#restarter?.started();
    const done = [
      "redis-server stopped",
      ...files.map((file) => `removed ${file}`),
      `started as replica of ${check.primary.host}:${check.primary.port} (full sync)`,
    ];
    await this.#freshProbe();
    return this.#reporter.operatorReply("reinit", done);
  }

  async #clearFenceSaved(done: string[]): Promise<void> {
    const cleared = await this.#persist((state) => ({ ...state, fence_saved: null }));
    // The fence is already lifted; a stale saved value is harmless (fence saves anew).
    if (!cleared.ok) done.push(`state not updated: ${cleared.error.message}`);
  }

  // ------------------------------------------------------------------------------------------
  // The write lease (write-lease.ts, docs/adr/0001-write-lease.md)

  /** NATS status events: whether the bus is up, for the failsafe (lease-channel.ts). */
  async #followBusStatus(nc: NatsConnection): Promise<void> {
    try {
      for await (const status of nc.status()) {
        if (status.type === "disconnect" || status.type === "close") this.#loop.bus_connected = false;
        else if (status.type === "reconnect") this.#loop.bus_connected = true;
        if (status.type === "disconnect") this.#loop.requestLease(); // ask the agents directly at once
      }
    } catch {
      this.#loop.bus_connected = false;
    }
  }

  /** The loop's lease request on NATS (LeaseBus port). */
  #publishLeaseRequest(request: WireLeaseRequest): void {
    const nc = this.#nc;
    if (nc === null || nc.isClosed()) return;
    try {
      nc.publish(nodeLeaseSubject(this.#config.cluster_id, this.#config.node_id), encodeMessage(request));
    } catch (error) {
      this.#logger.warn({ event: "publish_failed", error: errorMessage(error) }, "lease request not sent");
    }
  }

  #onLeaseGrant(subject: string, data: Uint8Array): void {
    const decoded = decodeLeaseGrant(data);
    if (!decoded.ok) {
      const count = this.counters.inc("malformed_messages_total", { kind: "lease_grant" });
      this.#logger.warn(
        { event: "malformed_lease_grant", code: decoded.error.code, error: decoded.error.message, count },
        "malformed lease grant ignored",
      );
      return;
    }
    const grant = decoded.value;
    // The subject names the sender (NATS permissions bind it): a grant claiming another is forged.
    const sender = agentSubjectSender(subject);
    if (sender !== grant.from) {
      const count = this.counters.inc("forged_messages_total", { kind: "lease_grant" });
      this.#logger.warn(
        { event: "forged_message", kind: "lease_grant", subject, claimed_from: grant.from, count },
        "lease grant whose sender differs from its subject refused",
      );
      return;
    }
    this.#loop.grant(grant);
  }

  // ------------------------------------------------------------------------------------------

  /** The `shutdown` command's handler (main.ts: the same path as SIGTERM). */
  onShutdownRequest(handler: () => void): void {
    this.#on_shutdown_request = handler;
  }

  /**
   * A planned stop (SIGTERM): a primary first asks the agents for a zero-loss switchover
   * (shutdown-plan.ts), waits until another primary is committed or it was demoted, at most
   * shutdown_switchover_timeout_ms, then stops whatever happened, and says so.
   */
  shutdown(reason: string): Promise<void> {
    // SIGTERM after a `shutdown` command (or the reverse) joins the stop under way.
    this.#shutting_down ??= this.#shutdownOnce(reason);
    return this.#shutting_down;
  }

  async #shutdownOnce(reason: string): Promise<void> {
    const supervise = this.#config.supervise;
    const timeout_ms = supervise?.shutdown_switchover_timeout_ms ?? 0;
    const plan = shutdownPlan({
      supervised: supervise !== null,
      topology_followed: this.#config.master_name !== null,
      switchover_timeout_ms: timeout_ms,
      role:
        this.#reporter.observation.answered === true ? (this.#reporter.observation.info?.role ?? null) : null,
      committed_primary: this.#committed?.record?.primary ?? null,
      self: this.#config.announce,
    });
    if (plan.action === "stop") {
      this.#logger.info({ event: "shutdown_plan", action: "stop", reason: plan.reason }, "stopping");
    } else {
      await switchoverBeforeStop(
        {
          logger: this.#logger,
          counters: this.counters,
          nc: this.#nc,
          cluster_id: this.#config.cluster_id,
          node_id: this.#config.node_id,
          master_name: this.#config.master_name,
          self: this.#config.announce,
          command_timeout_ms: this.#config.command_timeout_ms,
          poll_interval_ms: this.#config.poll_interval_ms,
          committedPrimary: () => this.#committed?.record?.primary ?? null,
          role: () =>
            this.#reporter.observation.answered === true
              ? (this.#reporter.observation.info?.role ?? null)
              : null,
          probe: () => this.#freshProbe(),
        },
        reason,
        timeout_ms,
      );
    }
    await this.stop();
  }

  /** Clean shutdown: stop timers, drain NATS, close redis, stop a supervised redis-server. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#restarter?.stop();
    this.#strict?.stop();
    this.#topology?.stop();
    // The server stops first, under the lease loop and its probes: a lease that ends during its
    // shutdown (a primary waits there for its replicas, up to shutdown-timeout) is self-fenced as
    // any lease end, the watchdog is disarmed by that fence, and the stop stays clean (exit 0:
    // a start next time, restart-plan.ts). With the loop stopped first, the watchdog killed a
    // primary whose agents had stopped before it, and the next start planned that as a crash
    // and waited for a failover (`up` stopped with SIGINT and resumed, CI 2026-12-05).
    await this.#supervisor?.stop();
    this.#closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#loop.stop();
    const nc = this.#nc;
    if (nc !== null) {
      await Promise.race([nc.drain().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    }
    this.#redis.close();
    if (this.#supervisor !== null && this.#child?.state === "exited" && this.#child.code === 0) {
      // Stopped cleanly by us (saved, replicas caught up by its shutdown): the next start is a
      // start, not a primary's crash (restart-plan.ts).
      await this.#persist((state) => ({ ...state, running_role: null, had_keys: null }));
    }
    // Graceful: the server was stopped above (or is left running in attach mode); the watchdog
    // leaves it alone. Until here it still enforced the last lease sent.
    this.#watchdog?.detach();
    this.#logger.info({ event: "stopped" }, "data-node stopped");
  }
}
