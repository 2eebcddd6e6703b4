// Changes: monitor, set, remove, reset, failover, switchover. Each goes through loop.admin(), the
// path SENTINEL MONITOR/SET/REMOVE/RESET/FAILOVER take: validated by the core, persisted,
// propagated to the other agents. Requests were validated against the schemas first, so a bad
// request never reaches the core and changes nothing.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { masterNameProblem, spError } from "@sentinel-plane/protocol";
import { FAILOVER_BLOCK_PERIOD_MS_DEFAULT, globMatch } from "@sentinel-plane/core";
import type { MasterSettings } from "@sentinel-plane/core";
import { parseHostPort } from "../address.js";
import type { RestDeps } from "../deps.js";
import {
  AcceptedSchema,
  ERROR_RESPONSES,
  FailoverBody,
  MasterSchema,
  MonitorBody,
  NameParams,
  OkSchema,
  ResetSchema,
  SetBody,
  SwitchoverBody,
} from "../schemas.js";
import { adminRoundTrip, bodyOptional } from "./admin-round-trip.js";
import type { AdminRoundTrip } from "./admin-round-trip.js";

const TAGS = ["changes"];
const SECURITY = [{ bearerAuth: [] }];

/** Sentinel's defaults for what `SENTINEL MONITOR` does not give (as the RESP view does). */
const MONITOR_DEFAULTS = {
  down_after_ms: 30_000,
  failover_timeout_ms: 180_000,
  parallel_syncs: 1,
  master_reboot_down_after_period_ms: 0,
} as const;
const ELECTION_TIMEOUT_MS_DEFAULT = 250;

type App = Parameters<FastifyPluginAsyncTypebox<{ deps: RestDeps }>>[0];

/** What every change route uses: the deps, the admin round trip, and the master's view. */
interface Changes extends AdminRoundTrip {
  readonly deps: RestDeps;
}

export const changeRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps }> = (app, { deps }) => {
  const changes: Changes = { deps, ...adminRoundTrip(deps) };
  monitorRoute(app, changes);
  setRoute(app, changes);
  removeRoute(app, changes);
  resetRoute(app, changes);
  failoverRoute(app, changes);
  switchoverRoute(app, changes);
  return Promise.resolve();
};

function monitorRoute(app: App, { deps, run, current }: Changes): void {
  app.put(
    "/v1/masters/:name",
    {
      schema: {
        operationId: "monitorMaster",
        summary: "Start monitoring a master (SENTINEL MONITOR), on every agent.",
        tags: TAGS,
        security: SECURITY,
        params: NameParams,
        body: MonitorBody,
        response: { 201: MasterSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      // The same name rule as the config file and the Sentinel port (libs/protocol names.ts).
      const problem = masterNameProblem(name);
      if (problem !== null)
        throw spError("SP_ERR_INVALID_REQUEST", [`${problem}, got ${JSON.stringify(name)}`]);
      const body = request.body;
      const existing = [...deps.state().masters.values()][0]?.settings;
      const settings: MasterSettings = {
        quorum: body.quorum,
        down_after_ms: body.down_after_ms ?? MONITOR_DEFAULTS.down_after_ms,
        failover_timeout_ms: body.failover_timeout_ms ?? MONITOR_DEFAULTS.failover_timeout_ms,
        parallel_syncs: body.parallel_syncs ?? MONITOR_DEFAULTS.parallel_syncs,
        master_reboot_down_after_period_ms: MONITOR_DEFAULTS.master_reboot_down_after_period_ms,
        election_timeout_ms: existing?.election_timeout_ms ?? ELECTION_TIMEOUT_MS_DEFAULT,
        failover_block_period_ms: existing?.failover_block_period_ms ?? FAILOVER_BLOCK_PERIOD_MS_DEFAULT,
      };
      await run(name, { type: "monitor", name, address: { host: body.host, port: body.port }, settings });
      return reply.code(201).send(current(name));
    },
  );
}

function setRoute(app: App, { run, current }: Changes): void {
  app.patch(
    "/v1/masters/:name",
    {
      schema: {
        operationId: "setMaster",
        summary: "Change a master's settings (SENTINEL SET): all given fields or none.",
        tags: TAGS,
        security: SECURITY,
        params: NameParams,
        body: SetBody,
        response: { 200: MasterSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { name } = request.params;
      const settings: Partial<Record<keyof MasterSettings, number>> = {};
      for (const [key, value] of Object.entries(request.body)) {
        if (typeof value === "number") settings[key as keyof MasterSettings] = value;
      }
      await run(name, { type: "set", name, settings });
      return current(name);
    },
  );
}

function removeRoute(app: App, { run }: Changes): void {
  app.delete(
    "/v1/masters/:name",
    {
      schema: {
        operationId: "removeMaster",
        summary: "Stop monitoring a master (SENTINEL REMOVE), on every agent.",
        tags: TAGS,
        security: SECURITY,
        params: NameParams,
        response: { 200: OkSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await run(request.params.name, { type: "remove", name: request.params.name });
      return { ok: true as const };
    },
  );
}

function resetRoute(app: App, { deps, run, current }: Changes): void {
  app.post(
    "/v1/masters/:name/reset",
    {
      schema: {
        operationId: "resetMaster",
        summary: "Forget the master's replicas and agents and rediscover them (SENTINEL RESET).",
        tags: TAGS,
        security: SECURITY,
        params: NameParams,
        response: { 200: ResetSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { name } = request.params;
      current(name); // RESET takes a pattern; this API names one master, which must exist
      // A name with glob characters (`*`, `?`, `[...]`, `\`) must not reset other masters too.
      const others = [...deps.state().masters.keys()].filter((m) => m !== name && globMatch(name, m));
      if (others.length > 0) {
        throw spError("SP_ERR_ADMIN_REFUSED", [
          `the name ${name} is also a pattern matching ${others.join(", ")}: reset them through SENTINEL RESET`,
        ]);
      }
      const reply = await run(name, { type: "reset", pattern: name });
      return { ok: true as const, reset: Number(reply.message) || 0 };
    },
  );
}

function failoverRoute(app: App, { run, current }: Changes): void {
  app.post(
    "/v1/masters/:name/failover",
    {
      schema: {
        operationId: "failoverMaster",
        summary:
          "Force a failover (SENTINEL FAILOVER): elected, then the best replica is promoted; within " +
          "max-promotion-lag unless `force`.",
        tags: TAGS,
        security: SECURITY,
        params: NameParams,
        body: FailoverBody,
        response: { 202: AcceptedSchema, ...ERROR_RESPONSES },
      },
      preValidation: bodyOptional,
    },
    async (request, reply) => {
      const { name } = request.params;
      current(name);
      const force = request.body.force === true;
      await run(name, { type: "failover", name, ...(force ? { force } : {}) });
      return reply.code(202).send({ accepted: true as const });
    },
  );
}

function switchoverRoute(app: App, { deps, run }: Changes): void {
  app.post(
    "/v1/masters/:name/switchover",
    {
      schema: {
        operationId: "switchoverMaster",
        summary:
          "Coordinated switchover that loses no acknowledged write: fence the primary, wait for the " +
          "target to catch up (bounded; aborts and unfences on timeout), promote, reconfigure.",
        tags: TAGS,
        security: SECURITY,
        params: NameParams,
        body: SwitchoverBody,
        response: { 202: AcceptedSchema, ...ERROR_RESPONSES },
      },
      preValidation: bodyOptional,
    },
    async (request, reply) => {
      const { name } = request.params;
      const master = deps.state().masters.get(name);
      if (master === undefined) throw spError("SP_ERR_UNKNOWN_MASTER", [name]);
      // Without a reachable primary nothing can be fenced: that is a failover, not a switchover.
      if (master.link.sdown || master.link.exited) {
        throw spError("SP_ERR_PRIMARY_UNREACHABLE", [
          `the primary of ${name} is down: a switchover needs it reachable (use /failover)`,
        ]);
      }
      const to_text = request.body.to;
      const to = to_text === undefined ? null : parseHostPort(to_text);
      if (to_text !== undefined && to === null) {
        throw spError("SP_ERR_INVALID_REQUEST", [
          `body/to must be host:port, got ${JSON.stringify(to_text)}`,
        ]);
      }
      await run(name, { type: "failover", name, ...(to === null ? {} : { to }) });
      return reply.code(202).send({ accepted: true as const });
    },
  );
}
