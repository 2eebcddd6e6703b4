// The REST server of one agent: builds the app over the agent's loop, event hub and KV topology,
// feeds the recorders (failover history, votes, metrics) from this agent's events and, over NATS,
// from every other agent's, and listens on `sentinel-plane rest-port`.
import type { AgentState, AdminCommand, TopologyRecord } from "@sentinel-plane/core";
import { allEventsSubject, decodeEventMessage } from "@sentinel-plane/protocol";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";
import type { AdminReply } from "../loop.js";
import { buildRestApp } from "./app.js";
import type { RestApp } from "./app.js";
import { readAuthFromEnv, tokensOf } from "./auth.js";
import { REST_LIMITS_DEFAULT } from "./deps.js";
import type { RestLimits } from "./deps.js";
import type { EventSource } from "./event-stream.js";
import { FailoverHistory } from "./failover-history.js";
import type { RestMetrics } from "./metrics.js";
import { VoteBook } from "./votes.js";

export interface RestServerOptions {
  readonly host: string;
  readonly port: number;
  readonly myid: string;
  readonly cluster_id: string;
  readonly loop: {
    readonly state: AgentState;
    admin(command: AdminCommand): Promise<AdminReply>;
  };
  readonly events: EventSource;
  readonly topology: {
    read(master_name: string): Promise<{ record: TopologyRecord; revision: number } | null>;
  };
  readonly nc: NatsConnection;
  /** The agent's clock (the one fed to the loop as now_ms). */
  readonly now_ms: () => number;
  /** `sentinel-plane rest-token` (comma-separated tokens), null: changes refused. */
  readonly rest_token: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly metrics: RestMetrics;
  readonly logger: Logger;
  readonly limits?: RestLimits;
}

const FAILOVERS_MAX = 200;
const FAILOVER_EVENTS_MAX = 200;
const VOTES_MAX = 4096;

export class RestServer {
  readonly app: RestApp;
  readonly #stops: (() => void)[];
  readonly #logger: Logger;

  private constructor(app: RestApp, stops: (() => void)[], logger: Logger) {
    this.app = app;
    this.#stops = stops;
    this.#logger = logger;
  }

  static async start(options: RestServerOptions): Promise<RestServer> {
    const { myid, metrics, logger, nc } = options;
    const history = new FailoverHistory({
      failovers_max: FAILOVERS_MAX,
      events_max: FAILOVER_EVENTS_MAX,
      wall_ms: () => Date.now(),
    });
    const votes = new VoteBook(VOTES_MAX);
    metrics.bindState(myid, () => options.loop.state);
    history.onEnd((failover) => {
      metrics.observeFailover(failover);
    });
    const stops: (() => void)[] = [];
    const local = options.events.subscribe((event) => {
      history.observe(event);
      votes.observe(event);
      metrics.observeEvent(event);
    });
    if (local === null)
      logger.warn({ event: "rest_no_event_listener" }, "event hub full: REST history disabled");
    else stops.push(local);
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
    stops.push(() => {
      remote.unsubscribe();
    });
    const link = { connected: !nc.isClosed() };
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") link.connected = false;
        if (status.type === "reconnect") link.connected = true;
      }
    })().catch(() => undefined);

    const app = await buildRestApp({
      myid,
      state: () => options.loop.state,
      admin: (command) => options.loop.admin(command),
      topology: (name) => options.topology.read(name),
      events: options.events,
      history,
      votes,
      metrics,
      readiness: () => ({
        nats_connected: link.connected && !nc.isClosed(),
        last_step_age_ms: options.now_ms() - options.loop.state.wall_ms,
      }),
      uptime_s: () => process.uptime(),
      auth: {
        tokens: tokensOf(options.rest_token),
        read_auth: readAuthFromEnv(options.env["SP_REST_READ_AUTH"]),
      },
      limits: options.limits ?? REST_LIMITS_DEFAULT,
    });
    const server = new RestServer(app, stops, logger);
    try {
      await app.listen({ host: options.host, port: options.port });
    } catch (error) {
      // The agent's Sentinel duties do not depend on its API: a taken port disables the API
      // (loudly) rather than the agent. `listening` tells; /healthz cannot.
      const code = (error as { code?: unknown }).code;
      logger.error(
        { event: "rest_listen_failed", host: options.host, port: options.port, code: String(code) },
        `REST API disabled: cannot listen on ${options.host}:${options.port}: ${String(error)}`,
      );
      return server;
    }
    logger.info(
      { event: "rest_listening", host: options.host, port: server.port },
      `REST API listening on ${options.host}:${server.port}`,
    );
    return server;
  }

  get listening(): boolean {
    return this.app.server.listening;
  }

  get port(): number {
    const address = this.app.server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  async close(): Promise<void> {
    for (const stop of this.#stops.splice(0)) stop();
    await this.app.close().catch((error: unknown) => {
      this.#logger.warn({ err: error }, "REST server close failed");
    });
  }
}
