// The data-node's loop: timers and events feed observations in; pure functions (report.ts,
// epoch.ts, reply.ts) decide; the adapters (RedisControl, Supervisor, NATS) do the I/O.
//   poll tick    -> probe redis -> observe -> publish at once if something significant changed
//   report tick  -> publish the status (offsets travel here)
//   child exit   -> observe -> publish at once
//   command      -> decode -> epoch check -> persist -> redis transaction -> probe -> reply
import { readFile } from "node:fs/promises";
import {
  decodeNodeCommand,
  encodeMessage,
  nodeCommandSubject,
  nodeStatusSubject,
  spError,
} from "@sentinel-plane/protocol";
import type {
  NodeCommandReply,
  NodeCommandRequest,
  NodeStatusReport,
  Result,
} from "@sentinel-plane/protocol";
import { connectNats, Counters, errorMessage, getTracer, withSpan } from "@sentinel-plane/runtime";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";
import type { DataNodeConfig } from "./config.js";
import { checkEpoch } from "./epoch.js";
import type { AcceptedEpoch } from "./epoch.js";
import { FENCE_MARKER, isFenced, minReplicasFromConfig } from "./fence.js";
import { OPTIONAL_STEPS, RedisControl, roleChangeSteps } from "./redis-control.js";
import { buildStatus, changedSignificantly, NO_OBSERVATION, nextLinkDownSince } from "./report.js";
import type { ChildState, Observation } from "./report.js";
import { errorReply, okReply } from "./reply.js";
import { loadState, saveState } from "./state.js";
import type { PersistedState } from "./state.js";
import { Supervisor } from "./supervisor.js";

interface CommandMessage {
  readonly data: Uint8Array;
  readonly reply?: string;
  respond(data: string): boolean;
}

export class DataNode {
  private readonly config: DataNodeConfig;
  private readonly logger: Logger;
  private readonly redis: RedisControl;
  private readonly supervisor: Supervisor | null;
  readonly counters = new Counters();
  private readonly tracer = getTracer("data-node");
  private state: PersistedState = { v: 1, epoch: 0, issuer: null, fence_saved: null };
  private observation: Observation = NO_OBSERVATION;
  private child: ChildState | null = null;
  private link_down_since_ms: number | null = null;
  private last_error: string | null = null;
  /** Starts from the wall clock in microseconds, so it also grows across restarts. */
  private seq = Date.now() * 1000;
  private last_published: NodeStatusReport | null = null;
  private probing: Promise<void> | null = null;
  private nc: NatsConnection | null = null;
  private commands: Promise<void> = Promise.resolve();
  private commands_in_flight = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;

  constructor(config: DataNodeConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.redis = new RedisControl(
      {
        host: config.redis.host,
        port: config.redis.port,
        ...(config.redis.user === undefined ? {} : { user: config.redis.user }),
        ...(config.redis.password === undefined ? {} : { password: config.redis.password }),
        node_id: config.node_id,
        probe_timeout_ms: config.probe_timeout_ms,
        command_timeout_ms: config.command_timeout_ms,
      },
      logger,
    );
    this.supervisor =
      config.supervise === null
        ? null
        : new Supervisor(config.supervise, logger, (code, signal) => {
            this.onChildExit(code, signal);
          });
  }

  async start(): Promise<Result<void>> {
    const loaded = await loadState(this.config.state_dir);
    if (!loaded.ok) return loaded;
    this.state = loaded.value;
    this.logger.info(
      { event: "state_loaded", epoch: this.state.epoch, issuer: this.state.issuer },
      "state loaded",
    );
    if (this.supervisor !== null && this.config.supervise !== null) {
      const prepared = await this.prepareSupervisedStart(this.config.supervise);
      if (!prepared.ok) return prepared;
      this.child = { state: "running" };
      this.supervisor.start();
    }
    this.redis.start();
    this.timers.push(setInterval(() => void this.probeNow(), this.config.poll_interval_ms));
    this.timers.push(
      setInterval(() => {
        this.publish(this.nextStatus());
      }, this.config.report_interval_ms),
    );
    void this.probeNow();
    void this.connect();
    return { ok: true, value: undefined };
  }

  /** With start_fenced, remember the config file's min-replicas-to-write for `unfence`. */
  private async prepareSupervisedStart(
    supervise: NonNullable<DataNodeConfig["supervise"]>,
  ): Promise<Result<void>> {
    if (!supervise.start_fenced || this.state.fence_saved !== null) return { ok: true, value: undefined };
    let configured = 0;
    try {
      configured = minReplicasFromConfig(await readFile(supervise.redis_config_path, "utf8"));
    } catch (error) {
      this.logger.warn(
        { event: "redis_config_unreadable", error: errorMessage(error) },
        "cannot read redis config",
      );
    }
    return this.persist({ ...this.state, fence_saved: configured });
  }

  private async connect(): Promise<void> {
    const natsConfig = this.config.nats;
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const nc = await connectNats(
          {
            servers: natsConfig.servers,
            name: `sp-data-node-${this.config.node_id}`,
            ...(natsConfig.user === undefined ? {} : { user: natsConfig.user }),
            ...(natsConfig.pass === undefined ? {} : { pass: natsConfig.pass }),
            ...(natsConfig.token === undefined ? {} : { token: natsConfig.token }),
            connect_timeout_ms: natsConfig.connect_timeout_ms,
            reconnect_wait_ms: natsConfig.reconnect_wait_ms,
            reconnect_jitter_ms: natsConfig.reconnect_jitter_ms,
            ping_interval_ms: natsConfig.ping_interval_ms,
            ping_max_out: natsConfig.ping_max_out,
          },
          this.logger,
        );
        if (this.stopped()) {
          await nc.close();
          return;
        }
        this.nc = nc;
        nc.subscribe(nodeCommandSubject(this.config.cluster_id, this.config.node_id), {
          callback: (error, msg) => {
            if (error !== null) {
              this.logger.error(
                { event: "subscription_error", error: error.message },
                "command subscription error",
              );
              return;
            }
            this.enqueue(msg);
          },
        });
        // A flush is a round trip: once it returns, the server has the subscription.
        await nc.flush();
        this.logger.info(
          {
            event: "commands_ready",
            subject: nodeCommandSubject(this.config.cluster_id, this.config.node_id),
          },
          "serving commands",
        );
        this.publish(this.nextStatus());
        return;
      } catch (error) {
        // Only non-transient failures (bad options, auth) end up here; retry with a bounded wait.
        const wait_ms = Math.min(30_000, natsConfig.reconnect_wait_ms * attempt);
        this.logger.error(
          { event: "nats_connect_failed", error: errorMessage(error), wait_ms },
          "cannot connect to NATS",
        );
        await new Promise((resolve) => setTimeout(resolve, wait_ms));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Observations

  /** Probes once; concurrent callers share the probe in flight. */
  private probeNow(): Promise<void> {
    this.probing ??= this.redis
      .probe()
      .then((observation) => {
        this.observe(observation);
      })
      .finally(() => {
        this.probing = null;
      });
    return this.probing;
  }

  /** A probe that starts after this call (a command's effect must be visible in it). */
  private async freshProbe(): Promise<void> {
    if (this.probing !== null) await this.probing;
    await this.probeNow();
  }

  private observe(observation: Observation): void {
    if (this.stopping) return;
    if (observation.error !== null && observation.error !== this.observation.error) {
      this.logger.warn({ event: "probe_failed", error: observation.error }, "redis probe failed");
    } else if (observation.answered === true && this.observation.answered === false) {
      this.logger.info({ event: "probe_recovered" }, "redis answers again");
    }
    if (observation.error !== null) this.last_error = observation.error;
    this.observation = observation;
    this.link_down_since_ms = nextLinkDownSince(this.link_down_since_ms, observation.info, Date.now());
    this.publishIfChanged();
  }

  private onChildExit(code: number | null, signal: string | null): void {
    this.child = { state: "exited", code, signal };
    this.last_error = `redis-server exited (code ${code ?? "none"}, signal ${signal ?? "none"})`;
    this.publishIfChanged();
    this.logger.warn({ event: "redis_exited", code, signal }, "redis-server exited");
    const supervise = this.config.supervise;
    if (supervise?.restart_on_exit === true && !this.stopping && this.supervisor !== null) {
      const supervisor = this.supervisor;
      this.timers.push(
        setTimeout(() => {
          if (this.stopping) return;
          this.child = { state: "running" };
          this.observation = NO_OBSERVATION;
          supervisor.start();
        }, supervise.restart_delay_ms),
      );
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reports

  /** Read through a method: `stopping` may change while an await is pending. */
  private stopped(): boolean {
    return this.stopping;
  }

  private accepted(): AcceptedEpoch {
    return { epoch: this.state.epoch, issuer: this.state.issuer };
  }

  private nextStatus(): NodeStatusReport {
    return buildStatus({
      cluster_id: this.config.cluster_id,
      node_id: this.config.node_id,
      address: this.config.announce,
      child: this.child,
      observation: this.observation,
      accepted: this.accepted(),
      link_down_since_ms: this.link_down_since_ms,
      last_error: this.last_error,
      seq: this.seq + 1,
      now_ms: Date.now(),
    });
  }

  private publishIfChanged(): void {
    const status = this.nextStatus();
    if (changedSignificantly(this.last_published, status)) this.publish(status);
  }

  private publish(status: NodeStatusReport): void {
    if (this.stopping) return;
    if (status.seq <= this.seq) throw new Error("status seq must increase");
    this.seq = status.seq;
    if (changedSignificantly(this.last_published, status)) {
      this.logger.info(
        {
          event: "status_changed",
          process: status.process,
          role: status.info?.role ?? null,
          fenced: status.fenced,
        },
        "status changed",
      );
    }
    this.last_published = status;
    const nc = this.nc;
    if (nc === null || nc.isClosed()) return;
    try {
      nc.publish(nodeStatusSubject(this.config.cluster_id, this.config.node_id), encodeMessage(status));
    } catch (error) {
      this.logger.warn({ event: "publish_failed", error: errorMessage(error) }, "status publish failed");
    }
  }

  // ------------------------------------------------------------------------------------------
  // Commands: one at a time, in arrival order, at most commands_in_flight_max waiting.

  private enqueue(msg: CommandMessage): void {
    if (this.commands_in_flight >= this.config.commands_in_flight_max) {
      this.respond(
        msg,
        errorReply(
          this.config.node_id,
          this.accepted(),
          spError("SP_ERR_OVERLOADED", [this.config.commands_in_flight_max]),
        ),
      );
      return;
    }
    this.commands_in_flight++;
    this.commands = this.commands
      .then(() => this.handle(msg))
      .catch((error: unknown) => {
        this.logger.error({ event: "command_crashed", error: errorMessage(error) }, "command handler failed");
        this.respond(
          msg,
          errorReply(
            this.config.node_id,
            this.accepted(),
            spError("SP_ERR_REDIS_COMMAND_FAILED", ["handler", errorMessage(error)]),
          ),
        );
      })
      .finally(() => {
        this.commands_in_flight--;
      });
  }

  private respond(msg: CommandMessage, reply: NodeCommandReply): void {
    if (msg.reply === undefined || msg.reply === "") return;
    try {
      msg.respond(encodeMessage(reply));
    } catch (error) {
      this.logger.warn({ event: "reply_failed", error: errorMessage(error) }, "reply failed");
    }
  }

  private handle(msg: CommandMessage): Promise<void> {
    return withSpan(this.tracer, "data-node.command", { "sp.node_id": this.config.node_id }, async (span) => {
      const decoded = decodeNodeCommand(msg.data);
      if (!decoded.ok) {
        const count = this.counters.inc("malformed_messages_total", { kind: "node_command" });
        span.setAttribute("sp.error_code", decoded.error.code);
        this.logger.warn(
          { event: "malformed_command", code: decoded.error.code, error: decoded.error.message, count },
          "malformed command refused",
        );
        this.respond(msg, errorReply(this.config.node_id, this.accepted(), decoded.error));
        return;
      }
      const request = decoded.value;
      span.setAttributes({
        "sp.command": request.command.type,
        "sp.epoch": request.epoch,
        "sp.issuer": request.issuer,
      });
      const reply = await this.execute(request);
      if (!reply.ok) span.setAttribute("sp.error_code", reply.code);
      this.counters.inc("commands_total", {
        command: request.command.type,
        outcome: reply.ok ? "ok" : reply.code,
      });
      this.logger.info(
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
      this.respond(msg, reply);
    });
  }

  private async persist(next: PersistedState): Promise<Result<void>> {
    const saved = await saveState(this.config.state_dir, next);
    if (saved.ok) this.state = next;
    return saved;
  }

  private async execute(request: NodeCommandRequest): Promise<NodeCommandReply> {
    const node_id = this.config.node_id;
    const command = request.command;
    if (command.type === "status") {
      // Read-only: answered whatever the epoch, and it does not raise it.
      await this.freshProbe();
      return this.finish("status", [], true);
    }
    const decision = checkEpoch(this.accepted(), request);
    if (!decision.accept) return errorReply(node_id, this.accepted(), decision.error);
    const done: string[] = [];
    if (decision.persist) {
      // Durable before anything is done for this epoch: a restart still refuses older ones.
      const saved = await this.persist({
        ...this.state,
        epoch: decision.next.epoch,
        issuer: decision.next.issuer,
      });
      if (!saved.ok) return errorReply(node_id, this.accepted(), saved.error);
      done.push(`accepted epoch ${decision.next.epoch} from ${decision.next.issuer}`);
      this.publishIfChanged();
    }
    await this.freshProbe();
    const observed = this.observation;
    if (observed.answered !== true) {
      return errorReply(
        node_id,
        this.accepted(),
        spError("SP_ERR_REDIS_UNAVAILABLE", [observed.error ?? "no answer yet"]),
      );
    }
    const has_config_file = (observed.config_file ?? "") !== "";
    const fenced = isFenced(observed.min_replicas_to_write);
    const restore = this.state.fence_saved ?? 0;
    let result: Result<string[]>;
    switch (command.type) {
      case "promote": {
        const unfence = fenced ? [["CONFIG", ["SET", "min-replicas-to-write", restore]] as const] : [];
        result = await this.redis.transaction(
          roleChangeSteps(null, has_config_file, unfence),
          OPTIONAL_STEPS,
        );
        if (result.ok && fenced) await this.clearFenceSaved(result.value);
        break;
      }
      case "replicaof":
        result = await this.redis.transaction(roleChangeSteps(command, has_config_file, []), OPTIONAL_STEPS);
        break;
      case "fence": {
        if (fenced) {
          result = { ok: true, value: ["already fenced"] };
          break;
        }
        const saved = await this.persist({ ...this.state, fence_saved: observed.min_replicas_to_write ?? 0 });
        if (!saved.ok) return errorReply(node_id, this.accepted(), saved.error);
        result = await this.redis.transaction(
          [
            ["CONFIG", ["SET", "min-replicas-to-write", FENCE_MARKER]],
            ...(has_config_file ? [["CONFIG", ["REWRITE"]] as const] : []),
          ],
          OPTIONAL_STEPS,
        );
        break;
      }
      case "unfence": {
        if (!fenced) {
          result = { ok: true, value: ["not fenced"] };
          break;
        }
        result = await this.redis.transaction(
          [
            ["CONFIG", ["SET", "min-replicas-to-write", restore]],
            ...(has_config_file ? [["CONFIG", ["REWRITE"]] as const] : []),
          ],
          OPTIONAL_STEPS,
        );
        if (result.ok) await this.clearFenceSaved(result.value);
        break;
      }
    }
    if (!result.ok) {
      this.last_error = result.error.message;
      return errorReply(node_id, this.accepted(), result.error);
    }
    done.push(...result.value);
    await this.freshProbe();
    return this.finish(command.type, done, false);
  }

  private async clearFenceSaved(done: string[]): Promise<void> {
    const cleared = await this.persist({ ...this.state, fence_saved: null });
    // The fence is already lifted; a stale saved value is harmless (fence saves anew).
    if (!cleared.ok) done.push(`state not updated: ${cleared.error.message}`);
  }

  private finish(
    command: NodeCommandRequest["command"]["type"],
    done: readonly string[],
    include_status: boolean,
  ): NodeCommandReply {
    const status = this.nextStatus();
    // A status handed out is also published, so no two reports share a seq.
    if (include_status) this.publish(status);
    const reply = okReply(this.config.node_id, this.accepted(), { command, done, status, include_status });
    if (reply !== null) return reply;
    return errorReply(
      this.config.node_id,
      this.accepted(),
      spError("SP_ERR_REDIS_UNAVAILABLE", [this.observation.error ?? `process ${status.process.state}`]),
    );
  }

  // ------------------------------------------------------------------------------------------

  /** Clean shutdown: stop timers, drain NATS, close redis, stop a supervised redis-server. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    const nc = this.nc;
    if (nc !== null) {
      await Promise.race([nc.drain().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    }
    this.redis.close();
    await this.supervisor?.stop();
    this.logger.info({ event: "stopped" }, "data-node stopped");
  }
}
