// The data-node's status report and its command replies, with the state they read: the latest
// probe's observation, since when the replication link is down, the last error, the self-fence's
// note, the seq and the report last published. The data-node (node.ts) runs it over NATS and the
// wall clock, the simulator (libs/testkit sim) over its bus and simulated time, so both build,
// number and publish reports and answer commands with this code.
//   probe     -> observe: logged when it fails or recovers; the last error; the link down since
//   next      -> buildStatus (report.ts), the fence note before the last error, the restarter's part
//   publish   -> the seq must increase; logged when significant; sent (nothing once stopped)
//   changed   -> published only when a significant field changed (changedSignificantly)
//   reply     -> the status as the command's last probe left it: role, offset, fenced
import { PROTOCOL_VERSION, spError } from "@sentinel-plane/protocol";
import type { NodeCommandReply, NodeCommandType, NodeStatusReport, SpError } from "@sentinel-plane/protocol";
import type { AcceptedEpoch } from "@sentinel-plane/core/data-node";
import type { LoopLogger } from "./ports.js";
import { buildStatus, changedSignificantly, NO_OBSERVATION, nextLinkDownSince } from "./report.js";
import type { ChildState, Observation } from "./report.js";
import { errorReply, okReply } from "./reply.js";

/**
 * Wall-clock time (Date.now() in the data-node): the report's sent_at_ms and the link's down time
 * are read by other hosts, so a process's monotonic clock would mean nothing to them.
 */
export interface WallClock {
  wall_now_ms(): number;
}

/** Where a report goes (NATS in the data-node, the simulated bus in the simulator). */
export interface ReportSink {
  /** The data-node stops: nothing more is published and the seq stays where it is. */
  stopped(): boolean;
  /** Fire-and-forget; a failure is the adapter's to log. */
  send(status: NodeStatusReport): void;
}

/** The restarter's part of the report (restarter.ts Restarter.report). */
export interface Healing {
  readonly data_lost: boolean;
  readonly restart: NonNullable<NodeStatusReport["restart"]>;
}

export interface StatusReporterOptions {
  readonly cluster_id: string;
  readonly node_id: string;
  readonly address: { readonly host: string; readonly port: number };
  /** The seq the first report follows (the data-node: its start's wall clock in microseconds). */
  readonly last_seq: number;
}

export interface StatusReporterPorts {
  readonly wall: WallClock;
  /** The supervised server's process (null in attach mode). */
  child(): ChildState | null;
  /** The accepted epoch and its issuer (persisted). */
  accepted(): AcceptedEpoch;
  /** Null without a restarter (attach mode). */
  healing(): Healing | null;
  readonly sink: ReportSink;
  readonly logger: LoopLogger;
}

/** Operator commands: answered even when the server has no role to report. */
export type OperatorCommand = "reinit" | "restart_reset" | "shutdown";

export class StatusReporter {
  readonly #options: StatusReporterOptions;
  readonly #ports: StatusReporterPorts;
  #observation: Observation = NO_OBSERVATION;
  #link_down_since_ms: number | null = null;
  #last_error: string | null = null;
  /** Why this node fenced itself; shown in last_error until the node is unfenced. */
  #fence_note: string | null = null;
  #seq: number;
  #last_published: NodeStatusReport | null = null;

  constructor(options: StatusReporterOptions, ports: StatusReporterPorts) {
    this.#options = options;
    this.#ports = ports;
    this.#seq = options.last_seq;
  }

  /** What the latest probe saw (NO_OBSERVATION before the first, and after a server start). */
  get observation(): Observation {
    return this.#observation;
  }

  /** The seq of the report last published (or the one the first follows). */
  get seq(): number {
    return this.#seq;
  }

  /** A probe's observation: failures are logged once each, not at every poll. */
  observe(observation: Observation): void {
    const previous = this.#observation;
    const logger = this.#ports.logger;
    if (observation.error !== null && observation.error !== previous.error) {
      logger.warn({ event: "probe_failed", error: observation.error }, "redis probe failed");
    } else if (observation.answered === true && previous.answered === false) {
      logger.info({ event: "probe_recovered" }, "redis answers again");
    }
    if (observation.error !== null) this.#last_error = observation.error;
    this.#observation = observation;
    this.#link_down_since_ms = nextLinkDownSince(
      this.#link_down_since_ms,
      observation.info,
      this.#ports.wall.wall_now_ms(),
    );
  }

  /** A new server process: what the previous one answered says nothing of it. */
  serverStarted(): void {
    this.#observation = NO_OBSERVATION;
  }

  note(fence_note: string | null): void {
    this.#fence_note = fence_note;
  }

  error(last_error: string): void {
    this.#last_error = last_error;
  }

  /** The report as of now, numbered after the last one published (not published yet). */
  next(): NodeStatusReport {
    const options = this.#options;
    const status = buildStatus({
      cluster_id: options.cluster_id,
      node_id: options.node_id,
      address: options.address,
      child: this.#ports.child(),
      observation: this.#observation,
      accepted: this.#ports.accepted(),
      link_down_since_ms: this.#link_down_since_ms,
      last_error:
        this.#fence_note === null
          ? this.#last_error
          : [this.#fence_note, this.#last_error].filter((part) => part !== null).join("; "),
      seq: this.#seq + 1,
      now_ms: this.#ports.wall.wall_now_ms(),
    });
    const healing = this.#ports.healing();
    if (healing === null) return status;
    return { ...status, restart: healing.restart, ...(healing.data_lost ? { data_lost: true } : {}) };
  }

  publish(status: NodeStatusReport): void {
    const { sink, logger } = this.#ports;
    if (sink.stopped()) return;
    // Agents drop a report whose seq is not above the last one: a reuse would lose a change.
    if (status.seq <= this.#seq) throw new Error("status seq must increase");
    this.#seq = status.seq;
    if (changedSignificantly(this.#last_published, status)) {
      logger.info(
        {
          event: "status_changed",
          process: status.process,
          role: status.info?.role ?? null,
          fenced: status.fenced,
        },
        "status changed",
      );
    }
    this.#last_published = status;
    sink.send(status);
  }

  /** Publishes the report as of now (a timer, a fence, a restart phase). */
  publishNow(): void {
    this.publish(this.next());
  }

  /** Publishes at once only what agents must see now; offsets wait for the periodic report. */
  publishIfChanged(): void {
    const status = this.next();
    if (changedSignificantly(this.#last_published, status)) this.publish(status);
  }

  /** A refusal, with the epoch this node holds (the agent learns it is behind). */
  refusal(error: SpError): NodeCommandReply {
    return errorReply(this.#options.node_id, this.#ports.accepted(), error);
  }

  /**
   * A command's reply: the server as the command's last probe saw it. No role to report (the
   * server does not answer or has exited) is SP_ERR_REDIS_UNAVAILABLE.
   */
  reply(command: NodeCommandType, done: readonly string[], include_status: boolean): NodeCommandReply {
    const status = this.next();
    // A status handed out is also published, so no two reports share a seq.
    if (include_status) this.publish(status);
    const node_id = this.#options.node_id;
    const reply = okReply(node_id, this.#ports.accepted(), { command, done, status, include_status });
    if (reply !== null) return reply;
    const why = this.#observation.error ?? `process ${status.process.state}`;
    return this.refusal(spError("SP_ERR_REDIS_UNAVAILABLE", [why]));
  }

  /** An operator command's reply: whatever the server answers now (it may be starting). */
  operatorReply(command: OperatorCommand, done: readonly string[]): NodeCommandReply {
    const status = this.next();
    this.publish(status);
    const accepted = this.#ports.accepted();
    const reply = okReply(this.#options.node_id, accepted, { command, done, status, include_status: true });
    if (reply !== null) return reply;
    // No role to report (a server still starting, a crash loop): the command itself was done.
    return {
      v: PROTOCOL_VERSION,
      type: "node_command_reply",
      node_id: this.#options.node_id,
      epoch: accepted.epoch,
      epoch_issuer: accepted.issuer,
      ok: true,
      command,
      done: [...done],
      role: "slave",
      offset: 0,
      fenced: status.fenced,
      status,
    };
  }
}
