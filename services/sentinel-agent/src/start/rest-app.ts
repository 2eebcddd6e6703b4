// The REST API, built and listening before the core starts: building it (fastify, TypeBox,
// Swagger) holds the event loop for 0.3-0.9 s here, and a loop held while probing turns replies
// that arrived in time into unanswered PINGs (an early SDOWN, a healthy replica skipped).
import type { NatsConnection } from "@sentinel-plane/runtime";
import { historyRecordOf } from "../journal-metrics.js";
import type { KvTopology } from "../kv-topology.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import { sendNodeOp } from "../node-ops.js";
import { LEASE_ANSWER_MS, REST_LIMITS_DEFAULT, RestServer } from "../rest/index.js";
import type { AgentBase } from "./agent-base.js";
import type { Observers } from "./events-hooks.js";
import type { Journals } from "./journals.js";
import type { Late } from "./late.js";
import type { Links } from "./links.js";

export interface RestAppContext {
  readonly base: AgentBase;
  readonly nc: NatsConnection;
  readonly observers: Pick<Observers, "events" | "rest_metrics">;
  readonly topology: KvTopology;
  readonly links: Pick<Links, "status" | "leases">;
  readonly journals: Journals;
  readonly loop: Late<AgentLoop>;
}

export async function startRestApp(ctx: RestAppContext): Promise<RestServer> {
  const { base, nc, loop, journals } = ctx;
  const { config, plane, myid, logger } = base;
  const { status, leases } = ctx.links;
  const rest = new RestServer({
    host: config.server.bind?.[0] ?? "0.0.0.0",
    port: plane.rest_port,
    https: base.tls.rest,
    myid,
    cluster_id: plane.cluster_id,
    // Read only by requests and scrapes: the loop is built right after `rest.start()` with no
    // await in between, so before any request can be handled.
    loop: {
      get state() {
        return loop.get().state;
      },
      admin: (command) => loop.get().admin(command),
    },
    node_op: (master_name, address, op) =>
      sendNodeOp(
        nc,
        {
          cluster_id: plane.cluster_id,
          issuer: myid,
          epoch: loop.get().state.masters.get(master_name)?.config_epoch ?? 0,
          // A reinit stops and starts redis-server: give it the admin bound, not a probe's.
          timeout_ms: REST_LIMITS_DEFAULT.admin_timeout_ms,
          node_for: (target) => status.nodeFor(target),
        },
        address,
        op,
      ),
    lease_direct: (request) => leases.direct(request, LEASE_ANSWER_MS),
    events: ctx.observers.events,
    topology: ctx.topology,
    nc,
    now_ms: base.now_ms,
    rest_token: plane.rest_token,
    limits: { ...REST_LIMITS_DEFAULT, rate_max: plane.rest_rate_limit },
    env: base.options.env,
    metrics: ctx.observers.rest_metrics,
    logger,
    journals: {
      history: journals.history,
      audit: journals.audit_journal,
      on_invalid: (kind, seq, reason) => {
        journals.invalid.inc({ journal: kind });
        logger.warn(
          { event: "journal_record_invalid", journal: kind, seq, reason },
          "invalid journal record skipped",
        );
      },
    },
    audit: journals.audit,
    on_own_failover_end: (failover) => {
      journals.history.append(historyRecordOf(myid, failover));
    },
  });
  // Never rejects; a port already taken disables the API, loudly (rest_listen_failed).
  await rest.start();
  return rest;
}
