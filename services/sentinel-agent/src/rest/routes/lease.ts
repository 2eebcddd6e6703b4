// The failsafe lease route (libs/core data-node lease-channel.ts): a data-node that cannot reach
// the bus sends its lease request here, as it would publish it; the answer is the core's grant for
// it, by the same rule (libs/core lease.ts), in the grant's wire form. Internal: for data-nodes,
// with a token of the lease role (auth.ts), left out of the OpenAPI document. The token names the
// one data-node it speaks for: a request for another node is refused (SP_ERR_LEASE_NODE_MISMATCH)
// and logged with the node it claimed, before the core sees it.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { decodeLeaseRequest, PROTOCOL_VERSION, spError } from "@sentinel-plane/protocol";
import type { TokenChecker } from "../auth.js";
import { LEASE_ANSWER_MS } from "../deps.js";
import type { RestDeps } from "../deps.js";

export const LEASE_ROUTE = "/v1/internal/lease";

export const leaseRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps; auth: TokenChecker }> = (
  app,
  { deps, auth },
) => {
  app.post(LEASE_ROUTE, { schema: { hide: true } }, async (request) => {
    const lease_direct = deps.lease_direct;
    if (lease_direct === undefined) {
      throw spError("SP_ERR_UNAVAILABLE", ["this agent answers no direct lease requests"]);
    }
    // The body is the bus message: the protocol's decoder validates it (version, type, bounds).
    const decoded = decodeLeaseRequest(JSON.stringify(request.body ?? null));
    if (!decoded.ok) throw decoded.error;
    const claimed = decoded.value.node_id;
    const allowed = [...auth.leaseNodes(request.headers.authorization)];
    if (!allowed.includes(claimed)) {
      request.log.warn(
        { event: "lease_node_mismatch", claimed_node: claimed, token_nodes: allowed, remote: request.ip },
        `lease request for data-node ${claimed} refused: the token is for ${allowed.join(", ")}`,
      );
      throw spError("SP_ERR_LEASE_NODE_MISMATCH", [allowed.join(", "), claimed]);
    }
    const grant = await lease_direct(decoded.value);
    if (grant === null) throw spError("SP_ERR_TIMEOUT", ["the lease request", String(LEASE_ANSWER_MS)]);
    return { v: PROTOCOL_VERSION, ...grant };
  });
  return Promise.resolve();
};
