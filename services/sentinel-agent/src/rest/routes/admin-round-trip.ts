// What every REST route that changes a master shares (changes.ts, maintenance.ts): the admin
// command's round trip through the loop, bounded by the admin deadline (issue 15: every admin
// request answers), the master's view after it, and the hook that lets a body be left out.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { spError } from "@sentinel-plane/protocol";
import { withDeadline } from "@sentinel-plane/runtime";
import type { AdminCommand } from "@sentinel-plane/core";
import type { AdminReply } from "@sentinel-plane/agent-shell";
import type { RestDeps } from "../deps.js";
import { adminError } from "../problem.js";
import { masterOf } from "../views.js";

export interface AdminRoundTrip {
  /** Runs an admin command through the loop; a refusal is thrown as its problem. */
  readonly run: (name: string, command: AdminCommand) => Promise<AdminReply>;
  /** The master's REST view, or SP_ERR_UNKNOWN_MASTER thrown. */
  readonly current: (name: string) => ReturnType<typeof masterOf>;
}

export function adminRoundTrip(deps: RestDeps): AdminRoundTrip {
  return {
    run: async (name, command) => {
      const timeout_ms = deps.limits.admin_timeout_ms;
      const reply = await withDeadline(deps.admin(command), timeout_ms, () =>
        spError("SP_ERR_TIMEOUT", ["the admin command", timeout_ms]),
      );
      const error = adminError(reply, name);
      if (error !== null) throw error;
      return reply;
    },
    current: (name) => {
      const state = deps.state();
      const master = state.masters.get(name);
      if (master === undefined) throw spError("SP_ERR_UNKNOWN_MASTER", [name]);
      return masterOf(state, master);
    },
  };
}

/**
 * preValidation for a route whose body is optional (`curl -X POST .../failover`): no body means
 * `{}`. The body is typed as the validated one, which it is not yet at this point.
 */
export function bodyOptional(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  if (request.body === undefined) request.body = {};
  done();
}
