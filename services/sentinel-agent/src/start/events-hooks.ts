// The agent's observers, built before any link opens: counters, metrics, failover telemetry, the
// event hub, and the script runner whose own events (-script-error, +script-child...) are
// Sentinel events too. The masters' local options (scripts, auth, renamed commands) live here
// because the scripts' paths and working directory come from them.
import { resolve } from "node:path";
import { HookRunner } from "@sentinel-plane/hooks";
import { Counters } from "@sentinel-plane/runtime";
import { EventHub } from "../event-hub.js";
import { LocalMasterOptions } from "../local-master-options.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import type { SimulatedFailure } from "../resp/index.js";
import { RestMetrics } from "../rest/index.js";
import { FailoverTelemetry } from "../telemetry.js";
import { isExecutable } from "./agent-base.js";
import type { AgentBase } from "./agent-base.js";
import type { Late } from "./late.js";

export interface Observers {
  readonly counters: Counters;
  /** SENTINEL SIMULATE-FAILURE at run time, beside SP_SIMULATE_FAILURE from the environment. */
  readonly simulated: Set<SimulatedFailure>;
  readonly telemetry: FailoverTelemetry;
  readonly rest_metrics: RestMetrics;
  readonly local: LocalMasterOptions;
  readonly events: EventHub;
  readonly hooks: HookRunner;
}

export function createObservers(base: AgentBase, loop: Late<AgentLoop>): Observers {
  const { config, now_ms } = base;
  const counters = new Counters();
  const simulated = new Set<SimulatedFailure>();
  const telemetry = new FailoverTelemetry(now_ms);
  const rest_metrics = new RestMetrics();
  // Sentinel chdirs to `dir`: relative script paths and the scripts' working directory follow it.
  const work_dir = resolve(config.server.dir ?? ".");
  const local = new LocalMasterOptions(
    { deny_scripts_reconfig: config.deny_scripts_reconfig, work_dir, isExecutable },
    config.masters,
  );
  const events = new EventHub(
    { cluster_id: base.plane.cluster_id, myid: base.myid, history_max: 1000, listeners_max: 1000, now_ms },
    base.logger,
  );
  const hooks = new HookRunner({
    cwd: work_dir,
    on_event: (event) => {
      events.emit({
        name: event.type,
        level: event.level === "warning" ? "warning" : "verbose",
        master_name: null,
        text: event.message,
        epoch: loop.get().state.current_epoch,
      });
    },
  });
  return { counters, simulated, telemetry, rest_metrics, local, events, hooks };
}
