// The core and its loop, with the ports wired to the links and observers. The core's clock starts
// here, after the slow set-up (NATS, KV, the API): a gap between its start and the first tick
// would otherwise look like a clock jump and put a fresh agent in TILT.
import { randomInt } from "node:crypto";
import { AgentLoop, nodeTimers } from "@sentinel-plane/agent-shell";
import { AGENT_TIMING_DEFAULT, initAgent } from "@sentinel-plane/core";
import type { AgentState, Random } from "@sentinel-plane/core";
import { clientReconfigArgv, notificationArgv } from "@sentinel-plane/hooks";
import { configuredMasters } from "../config/index.js";
import type { KvTopology } from "../kv-topology.js";
import { PRE_PROMOTE_RUNNER_DEFAULTS, PrePromoteRunner } from "../pre-promote.js";
import type { AgentBase } from "./agent-base.js";
import type { Observers } from "./events-hooks.js";
import type { Late } from "./late.js";
import type { Links } from "./links.js";
import { scriptOf } from "./master-lookup.js";
import { simulateFailure } from "./simulate-failure.js";

/** Every admin request (RESP, REST) is answered within this, at worst with SP_ERR_TIMEOUT. */
const ADMIN_TIMEOUT_MS = 5000;

const cryptoRandom: Random = { int: (max_exclusive) => randomInt(max_exclusive) };

export interface AgentLoopContext {
  readonly base: AgentBase;
  readonly observers: Observers;
  readonly links: Links;
  readonly topology: KvTopology;
  /** Set to the loop built here: the links' and observers' callbacks read it from then on. */
  readonly loop: Late<AgentLoop>;
}

export function createAgentLoop(ctx: AgentLoopContext): AgentLoop {
  const { base, links } = ctx;
  const { events, telemetry, simulated, local, hooks, rest_metrics } = ctx.observers;
  const { myid, announce, config, logger, now_ms } = base;
  const state: AgentState = initAgent(
    { myid, announce, timing: AGENT_TIMING_DEFAULT, masters: configuredMasters(config) },
    base.persisted,
    now_ms(),
  );
  const loop: AgentLoop = new AgentLoop(
    state,
    {
      peers: links.peers,
      prober: {
        probe: async (target, kind, timeout_ms) => {
          const sent_ms = performance.now();
          const result = await links.prober.probe(target, kind, timeout_ms);
          const latency_ms = performance.now() - sent_ms;
          rest_metrics.probeLatency(kind, result.ok, latency_ms, `${target.host}:${target.port}`);
          return result;
        },
      },
      nodes: {
        command: (target, epoch, command, timeout_ms, wanted) =>
          telemetry.inFailover(epoch, () => links.nodes.command(target, epoch, command, timeout_ms, wanted)),
      },
      topology: ctx.topology,
      state: base.state_file,
      events: {
        emit: (event) => {
          events.emit(event);
          telemetry.observe(event);
          simulateFailure(base.options.env, simulated, event.name, logger);
          const script =
            event.level === "warning" ? scriptOf(local, event.master_name, "notification") : null;
          if (script !== null) hooks.schedule(notificationArgv(script, event.name, event.text));
        },
      },
      hooks: {
        clientReconfig: (master_name, role, st, from, to) => {
          const script = scriptOf(local, master_name, "reconfig");
          if (script === null) return;
          hooks.schedule(clientReconfigArgv(script, { master_name, role, state: st, from, to }));
        },
      },
      pre_promote: new PrePromoteRunner({ ...PRE_PROMOTE_RUNNER_DEFAULTS, logger }),
      leases: links.leases,
    },
    {
      inputs_max: 10_000,
      admin_pending_max: 64,
      admin_timeout_ms: ADMIN_TIMEOUT_MS,
      now_ms,
      unix_ms: () => Date.now(),
      timers: nodeTimers,
      random: cryptoRandom,
      on_error: (error, context) => {
        logger.error({ err: error, context }, "agent loop error");
      },
    },
  );
  ctx.loop.set(loop);
  return loop;
}
