// The loop's inputs, started once it exists: the tick (with the once-a-second housekeeping), the
// data-nodes' reports and lease requests, switchover requests, the peers, the topology watch.
import { masterNames } from "@sentinel-plane/core";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { KvTopology } from "../kv-topology.js";
import type { LocalMasterOptions } from "../local-master-options.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import { SwitchoverDesk } from "../switchover-desk.js";
import type { AgentBase } from "./agent-base.js";
import type { Links } from "./links.js";
import { monitoredAddresses } from "./master-lookup.js";

const TICK_MS = 100;
const RETAIN_EVERY_TICKS = 10;

export interface InputsContext {
  readonly base: AgentBase;
  readonly nc: NatsConnection;
  readonly loop: AgentLoop;
  readonly links: Links;
  readonly local: LocalMasterOptions;
  readonly topology: KvTopology;
}

/** Starts the inputs; the function returned stops the tick, then the topology watch. */
export function startInputs(ctx: InputsContext): () => void {
  const { base, nc, loop, links, local } = ctx;
  const { now_ms } = base;
  let ticks = 0;
  const ticker = setInterval(() => {
    loop.feed({ type: "tick", now_ms: now_ms() });
    // Links of instances no longer monitored: closing them is housekeeping, once a second.
    if (++ticks % RETAIN_EVERY_TICKS === 0) {
      links.prober.retain(monitoredAddresses(loop.state));
      local.retain(new Set(masterNames(loop.state)));
    }
  }, TICK_MS);
  links.status.start(nc);
  links.leases.start(nc);
  // Switchover before a primary's planned shutdown, asked by its data-node (issue 18).
  new SwitchoverDesk({
    cluster_id: base.plane.cluster_id,
    myid: base.myid,
    primary_of: (name) => loop.state.masters.get(name)?.address ?? null,
    admin: (command) => loop.admin(command),
    on_malformed: links.malformed,
    logger: base.logger,
  }).start(nc);
  links.peers.start();
  const stopWatch = ctx.topology.watch((record, revision) => {
    loop.feed({ type: "topology_observed", now_ms: now_ms(), record, revision });
  });
  return () => {
    clearInterval(ticker);
    stopWatch();
  };
}
