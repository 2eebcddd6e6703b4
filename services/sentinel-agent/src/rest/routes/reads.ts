// Reads: masters, one master, its replicas, its agents, its committed topology, the failover
// history. Answered from this agent's view (the core's state) and the committed record in the KV.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { spError } from "@sentinel-plane/protocol";
import type { MasterState } from "@sentinel-plane/core";
import type { RestDeps } from "../deps.js";
import {
  AgentListSchema,
  ERROR_RESPONSES,
  FailoverListSchema,
  FailoversQuery,
  MasterListSchema,
  MasterSchema,
  NameParams,
  ReplicaListSchema,
  TopologySchema,
} from "../schemas.js";
import { agentsOf, masterOf, replicaOf } from "../views.js";

const TAGS = ["topology"];
const READ_SECURITY = [{}, { bearerAuth: [] }];

type App = Parameters<FastifyPluginAsyncTypebox<{ deps: RestDeps }>>[0];
/** The master named, or SP_ERR_UNKNOWN_MASTER thrown. */
type MasterNamed = (name: string) => MasterState;

export const readRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps }> = (app, { deps }) => {
  const masterNamed: MasterNamed = (name) => {
    const master = deps.state().masters.get(name);
    if (master === undefined) throw spError("SP_ERR_UNKNOWN_MASTER", [name]);
    return master;
  };
  viewRoutes(app, deps, masterNamed);
  recordRoutes(app, deps, masterNamed);
  return Promise.resolve();
};

/** This agent's view: the masters, one master, its replicas and agents. */
function viewRoutes(app: App, deps: RestDeps, masterNamed: MasterNamed): void {
  app.get(
    "/v1/masters",
    {
      schema: {
        operationId: "listMasters",
        summary: "Every monitored master, as this agent sees it.",
        tags: TAGS,
        security: READ_SECURITY,
        response: { 200: MasterListSchema, ...ERROR_RESPONSES },
      },
    },
    () => {
      const state = deps.state();
      return { masters: [...state.masters.values()].map((m) => masterOf(state, m)) };
    },
  );

  app.get(
    "/v1/masters/:name",
    {
      schema: {
        operationId: "getMaster",
        summary: "One master: address, config epoch, flags, quorum, settings, running failover.",
        tags: TAGS,
        security: READ_SECURITY,
        params: NameParams,
        response: { 200: MasterSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => masterOf(deps.state(), masterNamed(request.params.name)),
  );

  app.get(
    "/v1/masters/:name/replicas",
    {
      schema: {
        operationId: "listReplicas",
        summary: "The master's replicas: role, link status, offset, lag in bytes and seconds, priority.",
        tags: TAGS,
        security: READ_SECURITY,
        params: NameParams,
        response: { 200: ReplicaListSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => {
      const master = masterNamed(request.params.name);
      const state = deps.state();
      return { replicas: [...master.replicas.values()].map((l) => replicaOf(state, master, l)) };
    },
  );

  app.get(
    "/v1/masters/:name/agents",
    {
      schema: {
        operationId: "listAgents",
        summary: "The agents monitoring the master (this one first): last seen, vote, down opinion.",
        tags: TAGS,
        security: READ_SECURITY,
        params: NameParams,
        response: { 200: AgentListSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => ({ agents: agentsOf(deps.state(), masterNamed(request.params.name), deps.votes) }),
  );
}

/** What is recorded: the committed topology (KV) and the failover history. */
function recordRoutes(app: App, deps: RestDeps, masterNamed: MasterNamed): void {
  app.get(
    "/v1/masters/:name/topology",
    {
      schema: {
        operationId: "getTopology",
        summary:
          "The committed topology record (JetStream KV) and its revision, as this agent's KV watch last received it.",
        tags: TAGS,
        security: READ_SECURITY,
        params: NameParams,
        response: { 200: TopologySchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const name = masterNamed(request.params.name).name;
      const committed = await deps.topology(name);
      if (committed === null) return { record: null, revision: 0 };
      const r = committed.record;
      return {
        record: {
          master_name: r.master_name,
          config_epoch: r.config_epoch,
          primary: { host: r.primary.host, port: r.primary.port },
          replicas: r.replicas.map((a) => ({ host: a.host, port: a.port })),
          leader: r.leader,
        },
        revision: committed.revision,
      };
    },
  );

  app.get(
    "/v1/failovers",
    {
      schema: {
        operationId: "listFailovers",
        summary: "Failovers seen since this agent started (newest first), with their events and durations.",
        tags: ["failover"],
        security: READ_SECURITY,
        querystring: FailoversQuery,
        response: { 200: FailoverListSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => ({ failovers: deps.history.list(request.query.master, request.query.limit ?? 100) }),
  );
}
