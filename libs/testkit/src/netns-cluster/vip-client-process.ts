// The test's side of vip-client.ts: its JSON lines, parsed and awaitable.
import assert from "node:assert/strict";
import type { LabProcess } from "../netns/index.js";
import { JsonLines } from "./json-lines.js";

export interface ClientAck {
  readonly type: "ack";
  readonly seq: number;
  /** The run_id of the Redis server that acknowledged the write. */
  readonly run_id: string;
  /** Wall clock (see wall-clock.ts) when the client read the reply. */
  readonly t_ms: number;
}

export type ClientLine =
  | ClientAck
  | { readonly type: "connected"; readonly run_id: string; readonly t_ms: number }
  | { readonly type: "fail"; readonly reason: string; readonly t_ms: number };

export interface ClientTimings {
  readonly interval_ms: number;
  readonly connect_timeout_ms: number;
  readonly reply_timeout_ms: number;
  readonly run_max_ms: number;
}

export class VipClient {
  readonly #lines: JsonLines<ClientLine>;

  constructor(readonly process: LabProcess) {
    const stdout = process.child.stdout;
    assert.ok(stdout !== null, "the client's stdout is piped");
    this.#lines = new JsonLines<ClientLine>(stdout, "vip-client");
  }

  get lines(): readonly ClientLine[] {
    return this.#lines.lines;
  }

  acks(): ClientAck[] {
    return this.lines.filter((line): line is ClientAck => line.type === "ack");
  }

  /** The first acknowledged write matching (already seen or future). */
  async waitForAck(match: (ack: ClientAck) => boolean, timeout_ms: number): Promise<ClientAck> {
    const line = await this.#lines.waitFor((l) => l.type === "ack" && match(l), timeout_ms);
    assert.equal(line.type, "ack");
    return line;
  }

  lastAckBefore(t_ms: number): ClientAck | undefined {
    return this.acks()
      .filter((ack) => ack.t_ms < t_ms)
      .at(-1);
  }

  /** Failure reasons seen since a time, in order (deduplicated by the client). */
  failuresSince(t_ms: number): string[] {
    return this.lines
      .filter((l) => l.type === "fail" && l.t_ms >= t_ms)
      .map((l) => (l.type === "fail" ? l.reason : ""));
  }
}
