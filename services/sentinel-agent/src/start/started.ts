// The last step of the start: the operator metrics that read the running loop, and the log line
// operators and tests wait for.
import { masterNames } from "@sentinel-plane/core";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { KvTopology } from "../kv-topology.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import { natsConnectedFlag, registerOperatorMetrics } from "../operator-metrics.js";
import type { RestMetrics } from "../rest/index.js";
import type { AgentBase } from "./agent-base.js";

export interface StartedContext {
  readonly base: AgentBase;
  readonly loop: AgentLoop;
  readonly nc: NatsConnection;
  readonly topology: KvTopology;
  readonly rest_metrics: RestMetrics;
}

export function announceStarted(ctx: StartedContext): void {
  const { base, loop, topology } = ctx;
  registerOperatorMetrics(ctx.rest_metrics.registry, {
    state: () => loop.state,
    nats_connected: natsConnectedFlag(ctx.nc),
    topology: () => topology.health(),
  });
  base.logger.info(
    { myid: base.myid, announce: base.announce, masters: masterNames(loop.state) },
    "sentinel-agent started",
  );
}
