// Carries the core's node commands to the data-node beside the target Redis (NATS request/reply,
// with the epoch and this agent as issuer). When no data-node answers, it falls back to
// commanding Redis directly, as Sentinel would, and says so through `on_fallback`.
import type { Address, NodeCommand, NodeCommandResult } from "@sentinel-plane/core";
import {
  decodeNodeCommandReply,
  encodeMessage,
  nodeCommandSubject,
  PROTOCOL_VERSION,
  spError,
} from "@sentinel-plane/protocol";
import type { NodeCommandRequest } from "@sentinel-plane/protocol";
import { traceHeaders } from "@sentinel-plane/runtime";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { MsgHdrs } from "@nats-io/transport-node";
import type { NodeCommander } from "@sentinel-plane/agent-shell";

/** Maps a Redis address to the id of the data-node that reported it (from status reports). */
export interface NodeDirectory {
  nodeFor(address: Address): string | null;
}

/** Direct Redis control, used only when the data-node does not answer. */
export interface DirectRedisControl {
  run(target: Address, command: NodeCommand, timeout_ms: number): Promise<NodeCommandResult>;
}

export interface NatsNodeCommanderOptions {
  readonly cluster_id: string;
  readonly issuer: string;
  readonly directory: NodeDirectory;
  readonly direct: DirectRedisControl;
  readonly on_fallback: (target: Address, command: NodeCommand, reason: string) => void;
  /** A late send the core no longer wants was dropped (logged by the caller). */
  readonly on_withdrawn: (target: Address, epoch: number, command: NodeCommand, reason: string) => void;
}

export class NatsNodeCommander implements NodeCommander {
  readonly #nc: NatsConnection;
  readonly #options: NatsNodeCommanderOptions;

  constructor(nc: NatsConnection, options: NatsNodeCommanderOptions) {
    this.#nc = nc;
    this.#options = options;
  }

  async command(
    target: Address,
    epoch: number,
    command: NodeCommand,
    timeout_ms: number,
    wanted: () => boolean,
  ): Promise<NodeCommandResult> {
    const node_id = this.#options.directory.nodeFor(target);
    if (node_id === null)
      return this.#fallback(target, epoch, command, timeout_ms, wanted, "no data-node reports this address");
    const request: NodeCommandRequest = {
      v: PROTOCOL_VERSION,
      type: "node_command",
      epoch,
      issuer: this.#options.issuer,
      command,
    };
    let raw: Uint8Array;
    try {
      const reply = await this.#nc.request(
        nodeCommandSubject(this.#options.cluster_id, node_id),
        encodeMessage(request),
        // The active failover state span (FailoverTelemetry.inFailover) becomes the parent of the
        // data-node's command span.
        withTraceHeaders({ timeout: timeout_ms }),
      );
      raw = reply.data;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return this.#fallback(target, epoch, command, timeout_ms, wanted, `data-node ${node_id}: ${reason}`);
    }
    const decoded = decodeNodeCommandReply(raw);
    if (!decoded.ok) return { ok: false, code: decoded.error.code, message: decoded.error.message };
    const reply = decoded.value;
    if (!reply.ok) return { ok: false, code: reply.code, message: reply.message };
    return { ok: true, role: reply.role, offset: reply.offset, fenced: reply.fenced };
  }

  /**
   * Direct Redis, after the data-node failed to answer (up to `timeout_ms` later): only while the
   * core still wants the command. A fence sent directly 34 ms after its failover aborted left a
   * primary fenced for minutes (issue 13); the direct path has no epoch check to stop it.
   */
  async #fallback(
    target: Address,
    epoch: number,
    command: NodeCommand,
    timeout_ms: number,
    wanted: () => boolean,
    reason: string,
  ): Promise<NodeCommandResult> {
    if (!wanted()) {
      this.#options.on_withdrawn(target, epoch, command, reason);
      const error = spError("SP_ERR_COMMAND_WITHDRAWN", [command.type, epoch, reason]);
      return { ok: false, code: error.code, message: error.message };
    }
    this.#options.on_fallback(target, command, reason);
    return this.#options.direct.run(target, command, timeout_ms);
  }
}

function withTraceHeaders(options: { timeout: number }): { timeout: number; headers?: MsgHdrs } {
  const headers = traceHeaders();
  return headers === undefined ? options : { ...options, headers };
}
