// The agents' Sentinel protocol port (RESP), the fallback when the REST API cannot be reached
// and the only path for agents given by `--sentinel`. Every ioredis timeout is explicit, and no
// reconnect: a CLI command either gets its answer now or tries the next agent.
import type { Redis } from "ioredis";
import { CliError, EXIT, describeError } from "../errors.js";
import { AgentUnreachable } from "./rest.js";

export interface RespOptions {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
  readonly timeout_ms: number;
  /** A Sentinel port over TLS (a local cluster made with `up --tls`): CA and client certificate. */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
}

/** ioredis is loaded on the first RESP command: a command answered over REST never pays for it. */
async function client(options: RespOptions, name: string): Promise<Redis> {
  const { Redis } = await import("ioredis");
  return new Redis({
    host: options.host,
    port: options.port,
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls === undefined ? {} : { tls: { ...options.tls, rejectUnauthorized: true } }),
    connectionName: name,
    connectTimeout: options.timeout_ms,
    commandTimeout: options.timeout_ms,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    lazyConnect: true,
    retryStrategy: () => null,
    reconnectOnError: () => false,
  });
}

export class RespAgent {
  readonly options: RespOptions;

  constructor(options: RespOptions) {
    this.options = options;
  }

  get label(): string {
    return `${this.options.host}:${this.options.port} (RESP)`;
  }

  /** One command on a fresh connection. A Redis error reply is a refusal, not an outage. */
  async command(args: readonly string[]): Promise<unknown> {
    const redis = await client(this.options, "sentinel-plane-cli");
    redis.on("error", () => undefined); // reported through the promise below
    try {
      try {
        await redis.connect();
      } catch (error) {
        throw new AgentUnreachable(this.label, describeError(error), { cause: error });
      }
      const [name, ...rest] = args;
      if (name === undefined) throw new Error("empty command");
      try {
        return await redis.call(name, ...rest);
      } catch (error) {
        if (error instanceof Error && error.name === "ReplyError") {
          throw new CliError(EXIT.refused, replyCode(error.message), error.message);
        }
        throw new AgentUnreachable(this.label, describeError(error), { cause: error });
      }
    } finally {
      redis.disconnect();
    }
  }

  /**
   * PSUBSCRIBE to every event; calls on_event(name, text) until the connection ends, then
   * resolves with the reason.
   */
  async follow(on_event: (name: string, text: string) => void): Promise<string> {
    const redis = await client(
      { ...this.options, timeout_ms: this.options.timeout_ms },
      "sentinel-plane-events",
    );
    redis.on("error", () => undefined);
    try {
      await redis.connect();
      // A subscriber waits for pushes: no per-command deadline beyond the subscribe itself.
      await redis.psubscribe("*");
    } catch (error) {
      redis.disconnect();
      throw new AgentUnreachable(this.label, describeError(error), { cause: error });
    }
    redis.on("pmessage", (_pattern: string, channel: string, message: string) => {
      on_event(channel, message);
    });
    return new Promise<string>((resolve) => {
      redis.once("end", () => {
        resolve(`${this.label}: connection closed`);
      });
    });
  }
}

/** `-ERR ...`, `-NOGOODSLAVE ...`: the first word is the code. */
function replyCode(message: string): string {
  const word = /^([A-Z][A-Z_-]+)\s/.exec(message)?.[1];
  return word === undefined ? "ERR" : `RESP_${word}`;
}

/** Sentinel's flat [k1, v1, k2, v2...] replies as an object. */
export function fieldsOf(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const key: unknown = reply[i];
    const value: unknown = reply[i + 1];
    if (typeof key === "string") out[key] = typeof value === "string" ? value : String(value);
  }
  return out;
}
