// The shell of the switchover on planned shutdown (issue 18; rules in shutdown-plan.ts): asks the
// agents for a switchover (request/reply, one agent of a queue group answers), asks again while
// refused, and returns once another primary is committed or the server was demoted, when no
// agent runs at all, or at the deadline (then the stop goes on anyway, and says so).
import { performance } from "node:perf_hooks";
import type { Address } from "@sentinel-plane/core";
import {
  decodeSwitchoverReply,
  encodeMessage,
  nodeSwitchoverSubject,
  PROTOCOL_VERSION,
} from "@sentinel-plane/protocol";
import { errorMessage } from "@sentinel-plane/runtime";
import type { Counters, Logger, NatsConnection } from "@sentinel-plane/runtime";
import { switchoverDone } from "@sentinel-plane/core/data-node";

export interface ShutdownSwitchoverHost {
  readonly logger: Logger;
  readonly counters: Counters;
  readonly nc: NatsConnection | null;
  readonly cluster_id: string;
  readonly node_id: string;
  readonly master_name: string | null;
  readonly self: Address;
  readonly command_timeout_ms: number;
  readonly poll_interval_ms: number;
  committedPrimary(): Address | null;
  /** The server's role in the last answered probe, null when it does not answer. */
  role(): "master" | "slave" | null;
  /** A fresh probe (the role after the agents' `replicaof`). */
  probe(): Promise<void>;
}

export async function switchoverBeforeStop(
  host: ShutdownSwitchoverHost,
  reason: string,
  timeout_ms: number,
): Promise<void> {
  const started_ms = performance.now();
  const deadline_ms = started_ms + timeout_ms;
  const retry_ms = Math.max(1000, host.command_timeout_ms);
  host.logger.warn(
    { event: "shutdown_switchover_started", reason, timeout_ms },
    "primary stopping: asking the agents for a switchover first",
  );
  let next_request_ms = started_ms;
  while (performance.now() < deadline_ms) {
    if (switchoverDone({ committed_primary: host.committedPrimary(), self: host.self, role: host.role() })) {
      host.logger.warn(
        {
          event: "shutdown_switchover_done",
          elapsed_ms: Math.round(performance.now() - started_ms),
          primary: host.committedPrimary(),
        },
        "switched over: stopping redis-server",
      );
      return;
    }
    if (performance.now() >= next_request_ms) {
      next_request_ms = performance.now() + retry_ms;
      const wait_ms = Math.min(host.command_timeout_ms, deadline_ms - performance.now());
      if ((await requestSwitchover(host, reason, wait_ms)) === "no_agents") {
        // Nobody serves the request (agents stopped first, as `sentinel-plane up` does): no
        // switchover can happen, so waiting would only delay the stop.
        host.logger.error(
          { event: "shutdown_switchover_no_agents" },
          "no agent answers switchover requests: stopping without a switchover",
        );
        return;
      }
    }
    // What ends this wait is state the data-node's loop updates (topology watch, probes).
    await new Promise((resolve) => setTimeout(resolve, host.poll_interval_ms));
    await host.probe();
  }
  host.counters.inc("shutdown_switchover_timeouts_total", {});
  host.logger.error(
    { event: "shutdown_switchover_timeout", timeout_ms },
    "no switchover within shutdown_switchover_timeout_ms: stopping anyway (writes acknowledged since the replicas' last offset may be lost)",
  );
}

/** One request; "no_agents" when NATS says nobody subscribes (no responders). */
async function requestSwitchover(
  host: ShutdownSwitchoverHost,
  reason: string,
  timeout_ms: number,
): Promise<"asked" | "no_agents"> {
  const nc = host.nc;
  const master_name = host.master_name;
  if (nc === null || nc.isClosed() || master_name === null || timeout_ms <= 0) return "asked";
  try {
    const msg = await nc.request(
      nodeSwitchoverSubject(host.cluster_id, host.node_id),
      encodeMessage({
        v: PROTOCOL_VERSION,
        type: "switchover_request",
        node_id: host.node_id,
        master_name,
        address: host.self,
        reason,
      }),
      { timeout: Math.max(1, Math.round(timeout_ms)) },
    );
    const reply = decodeSwitchoverReply(msg.data);
    if (!reply.ok) {
      host.logger.warn({ event: "shutdown_switchover_reply", error: reply.error.message }, "bad reply");
      return "asked";
    }
    host.logger.warn(
      {
        event: "shutdown_switchover_reply",
        from: reply.value.from,
        ok: reply.value.ok,
        code: reply.value.code ?? null,
        message: reply.value.message ?? null,
      },
      reply.value.ok ? "switchover started" : "switchover refused: asking again",
    );
    return "asked";
  } catch (error) {
    if (/no responders|503/i.test(errorMessage(error))) return "no_agents";
    host.logger.warn(
      { event: "shutdown_switchover_reply", error: errorMessage(error) },
      "no answer to the switchover request: asking again",
    );
    return "asked";
  }
}
