// Operator commands on one node of a master (issue 18): reinit a broken replica (drop its data,
// full resync from the primary) and reset a node's restart back-off / crash loop. Relayed to the
// node's data-node (node-ops.ts); the route checks that the address belongs to the master.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { spError } from "@sentinel-plane/protocol";
import type { Address } from "@sentinel-plane/core";
import { sameAddress } from "@sentinel-plane/core";
import { parseHostPort } from "../address.js";
import type { NodeOp } from "../../node-ops.js";
import type { RestDeps } from "../deps.js";
import { ERROR_RESPONSES, MasterNameParam } from "../schemas.js";

const TAGS = ["changes"];
const SECURITY = [{ bearerAuth: [] }];

const NodeParams = Type.Object(
  { name: MasterNameParam, addr: Type.String({ minLength: 3, maxLength: 300, description: "host:port" }) },
  { additionalProperties: false },
);

export const NodeOpResultSchema = Type.Object(
  {
    ok: Type.Literal(true),
    node_id: Type.String(),
    /** What the data-node did, in order. */
    done: Type.Array(Type.String()),
  },
  { title: "NodeOpResult" },
);

/** One node operation as a route: where it lives, what it says, which nodes it may target. */
interface NodeOpRoute {
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** `replica`: refused on the primary (reinit drops the data). */
  readonly only: "replica" | "any";
  readonly op: NodeOp;
}

const NODE_OP_ROUTES: readonly NodeOpRoute[] = [
  {
    path: "/v1/masters/:name/replicas/:addr/reinit",
    operationId: "reinitReplica",
    summary:
      "Drop a replica's data and resync it in full from the primary (its data-node stops redis-server, " +
      "removes the RDB/AOF files and starts it as the primary's replica). Refused on the primary.",
    only: "replica",
    op: "reinit",
  },
  {
    path: "/v1/masters/:name/nodes/:addr/reset-restarts",
    operationId: "resetNodeRestarts",
    summary:
      "Reset a node's restart back-off and crash-loop count; a node in crash loop is restarted at once.",
    only: "any",
    op: "restart_reset",
  },
  {
    path: "/v1/masters/:name/nodes/:addr/shutdown",
    operationId: "shutdownNode",
    summary:
      "Planned stop of a node's data-node and redis-server: a primary first switches over (zero loss), " +
      "bounded by the data-node's shutdown_switchover_timeout_ms; a replica just stops.",
    only: "any",
    op: "shutdown",
  },
];

export const nodeRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps }> = (app, { deps }) => {
  /** The master's node at `addr`: `replica` only among its replicas, else the primary too. */
  const nodeOf = (name: string, addr: string, only: "replica" | "any"): Address => {
    const master = deps.state().masters.get(name);
    if (master === undefined) throw spError("SP_ERR_UNKNOWN_MASTER", [name]);
    const address = parseHostPort(addr);
    if (address === null)
      throw spError("SP_ERR_INVALID_REQUEST", [`addr must be host:port, got ${JSON.stringify(addr)}`]);
    const is_primary = sameAddress(master.address, address);
    const is_replica = [...master.replicas.values()].some((link) => sameAddress(link.address, address));
    if (only === "replica" && is_primary) {
      throw spError("SP_ERR_ADMIN_REFUSED", [`${addr} is the primary of ${name}: reinit drops the data`]);
    }
    if (!is_replica && !is_primary)
      throw spError("SP_ERR_NOT_HEALTHY_REPLICA", [addr, `not a node of ${name}`]);
    return address;
  };
  const relay = async (name: string, address: Address, op: NodeOp) => {
    const node_op = deps.node_op;
    if (node_op === undefined)
      throw spError("SP_ERR_UNAVAILABLE", ["node commands are not available on this agent"]);
    const outcome = await node_op(name, address, op);
    // The data-node's code travels in the message: `refused: SP_ERR_...: why`.
    if (!outcome.ok) throw spError("SP_ERR_ADMIN_REFUSED", [`${outcome.code}: ${outcome.message}`]);
    return { ok: true as const, node_id: outcome.node_id, done: [...outcome.done] };
  };

  for (const route of NODE_OP_ROUTES) {
    app.post(
      route.path,
      {
        schema: {
          operationId: route.operationId,
          summary: route.summary,
          tags: TAGS,
          security: SECURITY,
          params: NodeParams,
          response: { 200: NodeOpResultSchema, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { name, addr } = request.params;
        return relay(name, nodeOf(name, addr, route.only), route.op);
      },
    );
  }

  return Promise.resolve();
};
