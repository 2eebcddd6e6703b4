// The REST server of one agent: builds the app over the agent's loop, event hub and KV topology,
// feeds the recorders (failover history, votes, metrics) from this agent's events and, over NATS,
// from every other agent's, and listens on `sentinel-plane rest-port`.
import { Server as TlsServer } from "node:tls";
import type { TlsOptions } from "node:tls";
import type { AgentState, AdminCommand, TopologyRecord } from "@sentinel-plane/core";
import { allEventsSubject, decodeEventMessage } from "@sentinel-plane/protocol";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import type { Logger, NatsConnection, TopologyHealth } from "@sentinel-plane/runtime";
import type { AuditSink } from "../audit-log.js";
import type { AdminReply } from "@sentinel-plane/agent-shell";
import type { RestApp } from "./app.js";
import { readAuthFromEnv, tokensOf } from "./auth.js";
import { REST_LIMITS_DEFAULT } from "./deps.js";
import type { Readiness, RestDeps, RestLimits } from "./deps.js";
import type { Failover } from "./schemas.js";
import type { EventSource } from "./event-stream.js";
import { FailoverHistory } from "./failover-history.js";
import type { RestJournals } from "./journal-read.js";
import type { RestMetrics } from "./metrics.js";
import { VoteBook } from "./votes.js";

export interface RestServerOptions {
  readonly host: string;
  readonly port: number;
  /** https (rest-tls): server options from tls-setup.ts; null or absent: plain http. */
  readonly https?: TlsOptions | null;
  readonly myid: string;
  readonly cluster_id: string;
  readonly loop: {
    readonly state: AgentState;
    admin(command: AdminCommand): Promise<AdminReply>;
  };
  readonly events: EventSource;
  readonly topology: {
    /** What the KV watch last delivered (no round trip); null when it has not delivered one. */
    latest(master_name: string): { record: TopologyRecord; revision: number } | null;
    read(master_name: string): Promise<{ record: TopologyRecord; revision: number } | null>;
    health?(): TopologyHealth;
  };
  readonly nc: NatsConnection;
  /** Operator commands relayed to a data-node (reinit, restart_reset); absent: refused. */
  readonly node_op?: RestDeps["node_op"];
  /** The failsafe lease route's answer (lease-desk.ts direct); absent: the route is refused. */
  readonly lease_direct?: RestDeps["lease_direct"];
  /** The agent's clock (the one fed to the loop as now_ms). */
  readonly now_ms: () => number;
  /** `sentinel-plane rest-token` (comma-separated tokens), null: changes refused. */
  readonly rest_token: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly metrics: RestMetrics;
  readonly logger: Logger;
  readonly limits?: RestLimits;
  /** The durable journals (served by /v1/history and /v1/audit), and where to record changes. */
  readonly journals?: RestJournals;
  readonly audit?: AuditSink;
  /** Called with each failover this agent led, once it ended: the durable history's writer. */
  readonly on_own_failover_end?: (failover: Failover) => void;
}

const FAILOVERS_MAX = 200;
const FAILOVER_EVENTS_MAX = 200;
const VOTES_MAX = 4096;

export class RestServer {
  readonly #options: RestServerOptions;
  readonly #history: FailoverHistory;
  readonly #votes: VoteBook;
  readonly #stops: (() => void)[] = [];
  readonly #link = { connected: true };
  #app: RestApp | null = null;
  #started: Promise<void> | null = null;
  #closed = false;

  /**
   * Starts recording at once (history, votes, metrics) so that nothing emitted while the API
   * starts is missed; `start()` builds the app and listens.
   */
  constructor(options: RestServerOptions) {
    this.#options = options;
    const { myid, metrics, logger, nc } = options;
    this.#history = new FailoverHistory({
      failovers_max: FAILOVERS_MAX,
      events_max: FAILOVER_EVENTS_MAX,
      wall_ms: () => Date.now(),
    });
    this.#votes = new VoteBook(VOTES_MAX);
    const history = this.#history;
    const votes = this.#votes;
    metrics.bindState(myid, () => options.loop.state);
    history.onEnd((failover) => {
      metrics.observeFailover(failover);
      // Only the leader writes a failover's durable record: every agent sees the same failover.
      if (failover.leader === myid) options.on_own_failover_end?.(failover);
    });
    const local = options.events.subscribe((event) => {
      history.observe(event);
      votes.observe(event);
      metrics.observeEvent(event);
    });
    if (local === null)
      logger.warn({ event: "rest_no_event_listener" }, "event hub full: REST history disabled");
    else this.#stops.push(local);
    // The other agents' events (ours come from the hub, also when NATS is down).
    const remote = nc.subscribe(allEventsSubject(options.cluster_id), {
      callback: (error, msg) => {
        if (error !== null) return;
        const decoded = decodeEventMessage(msg.data);
        if (!decoded.ok || decoded.value.agent === myid) return;
        const event: WireEventMessage = decoded.value;
        history.observe(event);
        votes.observe(event);
      },
    });
    this.#stops.push(() => {
      remote.unsubscribe();
    });
    this.#link.connected = !nc.isClosed();
    const link = this.#link;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") link.connected = false;
        if (status.type === "reconnect") link.connected = true;
      }
    })().catch(() => undefined);
  }

  /**
   * Builds the app and listens; never rejects. fastify, TypeBox and Swagger load here (lazily:
   * tools that only build the view need none of it). The agent awaits this before its core
   * starts, since the build holds the event loop for a while. A port already taken disables the
   * API, loudly, rather than the agent (`listening` tells).
   */
  start(): Promise<void> {
    this.#started ??= this.#start().catch((error: unknown) => {
      const { host, port, logger } = this.#options;
      logger.error(
        {
          event: "rest_listen_failed",
          host,
          port,
          code: String(
            typeof error === "object" && error !== null && "code" in error ? error.code : undefined,
          ),
        },
        `REST API disabled: cannot listen on ${host}:${port}: ${String(error)}`,
      );
    });
    return this.#started;
  }

  async #start(): Promise<void> {
    const options = this.#options;
    const { nc } = options;
    const { buildRestApp } = await import("./app.js");
    if (this.#closed) return;
    const app = await buildRestApp({
      myid: options.myid,
      state: () => options.loop.state,
      admin: (command) => options.loop.admin(command),
      ...(options.node_op === undefined ? {} : { node_op: options.node_op }),
      ...(options.lease_direct === undefined ? {} : { lease_direct: options.lease_direct }),
      // From the watch when it has the record (updates are pushed), else one KV read.
      topology: (name) => Promise.resolve(options.topology.latest(name) ?? options.topology.read(name)),
      events: options.events,
      history: this.#history,
      votes: this.#votes,
      metrics: options.metrics,
      readiness: () => ({
        nats_connected: this.#link.connected && !nc.isClosed(),
        last_step_age_ms: options.now_ms() - options.loop.state.wall_ms,
        ...topologyReadiness(options.topology.health?.()),
      }),
      uptime_s: () => process.uptime(),
      auth: {
        tokens: tokensOf(options.rest_token),
        read_auth: readAuthFromEnv(options.env["SP_REST_READ_AUTH"]),
      },
      limits: options.limits ?? REST_LIMITS_DEFAULT,
      ...(options.journals === undefined ? {} : { journals: options.journals }),
      ...(options.audit === undefined ? {} : { audit: options.audit }),
      logger: options.logger,
      ...(options.https == null ? {} : { https: options.https }),
    });
    this.#app = app;
    if (this.#isClosed()) return; // closed while building
    await app.listen({ host: options.host, port: options.port });
    options.logger.info(
      { event: "rest_listening", host: options.host, port: this.port },
      `REST API listening on ${options.host}:${this.port}`,
    );
  }

  /** A method, not the field: TypeScript would keep its narrowing across the awaits above. */
  #isClosed(): boolean {
    return this.#closed;
  }

  /** The app once built (null before, or when building failed). */
  get app(): RestApp | null {
    return this.#app;
  }

  get listening(): boolean {
    return this.#app?.server.listening ?? false;
  }

  /** New https connections get this context (tls-reload.ts); false before the app listens or without https. */
  setTlsContext(options: TlsOptions): boolean {
    const server = this.#app?.server;
    if (!(server instanceof TlsServer)) return false;
    server.setSecureContext(options);
    return true;
  }

  get port(): number {
    const address = this.#app?.server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const stop of this.#stops.splice(0)) stop();
    await this.#started;
    await this.#app?.close().catch((error: unknown) => {
      this.#options.logger.warn({ err: error }, "REST server close failed");
    });
  }
}

/** Why the topology store is not following the bucket, for /readyz. */
function topologyReadiness(health: TopologyHealth | undefined): Pick<Readiness, "topology"> {
  if (health === undefined) return {};
  const error = health.last_error === null ? "" : `: ${health.last_error.message}`;
  const replicas =
    health.under_replicated && health.replicas_actual !== null
      ? ` (bucket ${health.bucket} has ${health.replicas_actual} replicas, ${health.replicas_configured ?? "?"} configured)`
      : "";
  return { topology: { watching: health.watching, reason: `${health.state}${error}${replicas}` } };
}
