// The Sentinel-protocol TCP port (node:net): accepts connections up to a bound, runs each as a
// ClientConnection over a SentinelView, and fans the view's events out to subscribers. A bad
// client costs at most its own connection; nothing a client sends can stop the process.
import { randomBytes } from "node:crypto";
import { DebugParams } from "./debug-params.js";
import { ClientPause } from "./client-pause.js";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Server as TlsServer, TlsOptions } from "node:tls";
import type { CloseReason, ConnectionCounters, ConnectionLimits } from "./connection.js";
import { ClientConnection } from "./connection.js";
import type { ServerFacts } from "./info-text.js";
import { PubSubHub } from "./pubsub.js";
import type { Reply } from "./reply.js";
import type { ClientSession, ServerContext, ShutdownFlags } from "./session.js";
import type { AuditSink } from "../audit-log.js";
import type { SentinelConfig } from "../config/index.js";
import { AclLog, AclUsers } from "./acl/index.js";
import type { EarlyPort } from "./early-port.js";
import { aclCommands } from "./command-table.js";
import type { SentinelView } from "./view.js";

export interface RespLimits extends ConnectionLimits {
  /** Sentinel's maxclients; connections beyond it get `-ERR max number of clients reached`. */
  readonly connections_max: number;
}

/** Redis's maxclients default. */
export const MAXCLIENTS_DEFAULT = 10_000;

/** Redis's limits scaled to what a Sentinel port needs (its requests are a few short words). */
export const RESP_LIMITS_DEFAULT: RespLimits = {
  connections_max: MAXCLIENTS_DEFAULT,
  inline_bytes_max: 64 * 1024,
  bulk_bytes_max: 1024 * 1024,
  multibulk_count_max: 1024,
  unauthenticated_multibulk_count_max: 10,
  unauthenticated_bulk_bytes_max: 16 * 1024,
  request_bytes_max: 4 * 1024 * 1024,
  requests_per_turn_max: 64,
  output_bytes_max: 1024 * 1024,
  pubsub_output_hard_bytes_max: 32 * 1024 * 1024,
  pubsub_output_soft_bytes_max: 8 * 1024 * 1024,
  pubsub_output_soft_ms: 60_000,
  unauthenticated_timeout_ms: 10_000,
};

export interface RespServerOptions {
  readonly host: string;
  /** 0: any free port (tests); read the bound one from `address()`. null: no plain port (Redis' `port 0`). */
  readonly port: number | null;
  /** The same service over TLS (tls-port); 0: any free port, read from `tlsAddress()`. */
  readonly tls?: { readonly port: number; readonly options: TlsOptions } | null;
  readonly view: SentinelView;
  /** Sentinel's `requirepass`; null: no password. Ignored when `users` is given. */
  readonly requirepass: string | null;
  /** The ACL users (sentinel.conf's `user` lines and requirepass); absent: from `requirepass`. */
  readonly users?: AclUsers;
  /** Persists the users after ACL SETUSER / DELUSER. */
  readonly on_acl_changed?: (users: AclUsers) => Promise<void>;
  readonly limits: RespLimits;
  /** What HELLO and INFO report as `redis_version`; clients gate features on it. */
  readonly redis_version: string;
  /** Shown as INFO's `config_file`. */
  readonly config_file: string;
  readonly now_ms: () => number;
  /** Called when a connection ends, with why (for logs and metrics). */
  readonly onClientClosed?: (id: number, reason: CloseReason) => void;
  /** Where state-changing commands are recorded, refused ones included. */
  readonly audit?: AuditSink;
  /** After SENTINEL DEBUG changed a parameter: reads each one's current value (ms). */
  readonly on_debug_changed?: (get: (name: string) => number | undefined) => void;
  /** SHUTDOWN (session.ts ServerContext.shutdown); absent: SHUTDOWN answers Redis's failure. */
  readonly on_shutdown?: (flags: ShutdownFlags) => Promise<Reply | null>;
  /** The plain port bound at process start (early-port.ts): adopted by listen() when it is
   * `host:port`, with the connections it holds; else released before binding. */
  readonly early?: EarlyPort | null;
}

export class RespServer {
  #server: Server | null;
  /** Set until listen() adopts it. */
  #early: EarlyPort | null;
  readonly #tls_server: TlsServer | null;
  readonly #connections = new Map<number, ClientConnection>();
  readonly #hub = new PubSubHub();
  readonly #counters: ConnectionCounters = {
    commands_processed: 0,
    error_replies: 0,
    net_input_bytes: 0,
    net_output_bytes: 0,
  };
  readonly #run_id = randomBytes(20).toString("hex");
  readonly #started_ms: number;
  #next_id = 1;
  #connections_received = 0;
  #rejected = 0;
  #unsubscribe: (() => void) | null = null;
  readonly #context: ServerContext;

  readonly #options: RespServerOptions;
  constructor(options: RespServerOptions) {
    this.#options = options;
    this.#started_ms = options.now_ms();
    this.#early = options.early ?? null;
    const adopting =
      this.#early !== null && this.#early.port === options.port && this.#early.host === options.host;
    this.#server =
      options.port === null || adopting
        ? null
        : createServer((socket) => {
            this.#accept(socket);
          });
    // A listening error after start (e.g. EMFILE on accept) must not crash the agent.
    this.#server?.on("error", () => undefined);
    const users = options.users ?? usersFromRequirepass(options.requirepass);
    const tls = options.tls ?? null;
    this.#tls_server =
      tls === null
        ? null
        : createTlsServer(tls.options, (socket) => {
            this.#accept(socket);
          });
    // A failed handshake (no or bad client certificate, plain text on the TLS port) costs only
    // that socket: node destroys it; counted as a rejected connection, as Redis does.
    this.#tls_server?.on("tlsClientError", () => {
      this.#rejected++;
    });
    this.#tls_server?.on("error", () => undefined);
    this.#context = {
      view: options.view,
      hub: this.#hub,
      users,
      ...(options.on_acl_changed === undefined
        ? {}
        : { aclChanged: (): Promise<void> => options.on_acl_changed?.(users) ?? Promise.resolve() }),
      aclLog: new AclLog(),
      redis_version: options.redis_version,
      debug: new DebugParams(options.on_debug_changed),
      pause: new ClientPause(options.now_ms),
      sessions: (): Iterable<ClientSession> => this.#connections.values(),
      facts: (): ServerFacts => this.#facts(),
      now_ms: options.now_ms,
      ...(options.audit === undefined ? {} : { audit: options.audit }),
      ...(options.on_shutdown === undefined ? {} : { shutdown: options.on_shutdown }),
    };
  }

  /** Binds and starts publishing the view's events. Rejects when a port cannot be bound. */
  async listen(): Promise<{ readonly host: string; readonly port: number }> {
    const early = this.#early;
    this.#early = null;
    if (early !== null && this.#server === null && this.#options.port !== null) {
      // The held connections are served from here on, in arrival order.
      this.#server = early.adopt((socket) => {
        this.#accept(socket);
      });
    } else {
      await early?.close();
      if (this.#server !== null && this.#options.port !== null) {
        await bind(this.#server, this.#options.port, this.#options.host);
      }
    }
    if (this.#tls_server !== null && this.#options.tls != null) {
      // The plain port is already bound: release it before reporting the failure.
      await bind(this.#tls_server, this.#options.tls.port, this.#options.host).catch(
        async (failure: unknown) => {
          const plain = this.#server;
          if (plain !== null)
            await new Promise<void>((resolve) =>
              plain.close(() => {
                resolve();
              }),
            );
          throw failure;
        },
      );
    }
    this.#unsubscribe = this.#options.view.subscribe((event) => {
      this.#hub.publish(event);
    });
    return this.address();
  }

  /** The plain port's address, or the TLS port's when there is no plain port. */
  /** New TLS connections get this context (SENTINEL CONFIG SET tls-*, tls-reload.ts); open ones keep theirs. */
  setTlsContext(options: TlsOptions): void {
    this.#tls_server?.setSecureContext(options);
  }

  address(): { readonly host: string; readonly port: number } {
    return boundAddress(this.#server ?? this.#tls_server);
  }

  /** The TLS port's address. */
  tlsAddress(): { readonly host: string; readonly port: number } {
    return boundAddress(this.#tls_server);
  }

  get connection_count(): number {
    return this.#connections.size;
  }

  /** Stops accepting, closes every client, stops the event subscription. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    const closed = [this.#server, this.#tls_server].map(
      (server) =>
        new Promise<void>((resolve) => {
          if (server === null) resolve();
          else
            server.close(() => {
              resolve();
            });
        }),
    );
    for (const connection of this.#connections.values()) connection.kill();
    await Promise.all(closed);
  }

  #accept(socket: Socket): void {
    this.#connections_received++;
    socket.on("error", () => undefined);
    if (this.#connections.size >= this.#options.limits.connections_max) {
      this.#rejected++;
      // Nothing reads this socket: destroy it once the error is flushed, or it would never close.
      socket.end("-ERR max number of clients reached\r\n", () => socket.destroy());
      return;
    }
    const id = this.#next_id++;
    const connection = new ClientConnection(
      this.#context,
      socket,
      id,
      this.#options.limits,
      this.#counters,
      (closed, reason) => {
        this.#connections.delete(closed.id);
        this.#options.onClientClosed?.(closed.id, reason);
      },
    );
    this.#connections.set(id, connection);
  }

  #facts(): ServerFacts {
    let port = this.#options.port ?? 0;
    try {
      port = this.address().port;
    } catch {
      // not listening (closed): report the configured port
    }
    return {
      redis_version: this.#options.redis_version,
      run_id: this.#run_id,
      tcp_port: port,
      config_file: this.#options.config_file,
      started_ms: this.#started_ms,
      now_ms: this.#options.now_ms(),
      connected_clients: this.#connections.size,
      maxclients: this.#options.limits.connections_max,
      total_connections_received: this.#connections_received,
      total_commands_processed: this.#counters.commands_processed,
      total_net_input_bytes: this.#counters.net_input_bytes,
      total_net_output_bytes: this.#counters.net_output_bytes,
      rejected_connections: this.#rejected,
      pubsub_channels: this.#hub.channel_count,
      pubsub_patterns: this.#hub.pattern_count,
      total_error_replies: this.#counters.error_replies,
    };
  }
}

/** The users of a port configured with `requirepass` only (or nothing). */
export function usersFromRequirepass(requirepass: string | null): AclUsers {
  const built = AclUsers.fromConfig(requirepass, [], aclCommands());
  if (!built.ok) throw new Error(`usersFromRequirepass: ${built.errors.join("; ")}`);
  return built.users;
}

/** The users a configuration defines (its `user` lines over `requirepass`); parsing checked each line. */
export function respUsers(config: SentinelConfig): AclUsers {
  const built = AclUsers.fromConfig(config.server.requirepass, config.server.users ?? [], aclCommands());
  if (!built.ok) throw new Error(`sentinel.conf users: ${built.errors.join("; ")}`);
  return built.users;
}

function bind(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (failure: Error): void => {
      reject(failure);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function boundAddress(server: Server | null): { readonly host: string; readonly port: number } {
  const address = server?.address() ?? null;
  if (address === null || typeof address === "string") throw new Error("RespServer: not listening");
  return { host: address.address, port: address.port };
}
