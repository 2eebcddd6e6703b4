// Assembles one sentinel-agent: configuration -> persisted state -> core -> ports -> loop. The
// only place where the pieces meet, in start-up order; each piece (start/) stays testable alone.
import { AGENT_TIMING_DEFAULT } from "@sentinel-plane/core";
import type { AgentTiming } from "@sentinel-plane/core";
import type { HookRunner } from "@sentinel-plane/hooks";
import type { Counters } from "@sentinel-plane/runtime";
import type { SentinelConfig } from "./config/index.js";
import type { EventHub } from "./event-hub.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import type { RespServer } from "./resp/index.js";
import type { RestServer } from "./rest/index.js";
import type { StatusIntake } from "./status-intake.js";
import { loadAgentBase } from "./start/agent-base.js";
import type { StartOptions } from "./start/agent-base.js";
import { createAgentLoop } from "./start/agent-loop.js";
import { createConfigFile } from "./start/config-file.js";
import { createObservers } from "./start/events-hooks.js";
import { startInputs } from "./start/inputs.js";
import { createJournals } from "./start/journals.js";
import { createPeerPorts } from "./start/peer-ports.js";
import { Late } from "./start/late.js";
import { createLinks } from "./start/links.js";
import { connectAgentNats } from "./start/nats-connection.js";
import { startRespServer } from "./start/resp-server.js";
import { startRestApp } from "./start/rest-app.js";
import { announceStarted } from "./start/started.js";
import { agentStop } from "./start/shutdown.js";
import { createTlsConfigSet } from "./start/tls-config-set.js";
import { createTopology } from "./start/topology.js";

export { StartError } from "./start/agent-base.js";
export type { StartOptions } from "./start/agent-base.js";

export const AGENT_TIMING: AgentTiming = AGENT_TIMING_DEFAULT;

export interface AgentHandle {
  readonly myid: string;
  readonly loop: AgentLoop;
  readonly events: EventHub;
  readonly status: StatusIntake;
  readonly hooks: HookRunner;
  readonly counters: Counters;
  readonly resp: RespServer;
  readonly rest: RestServer;
  config(): SentinelConfig;
  /** Rewrites sentinel.conf from the current state (SENTINEL FLUSHCONFIG). */
  flushConfig(): Promise<void>;
  /** Resolves when a client's SHUTDOWN asked the agent to stop (config flushed): main.ts then
   * stops it as on SIGTERM. */
  readonly shutdown_requested: Promise<void>;
  stop(): Promise<void>;
}

export async function startSentinelAgent(options: StartOptions): Promise<AgentHandle> {
  const base = await loadAgentBase(options);
  const { myid, config } = base;
  // The loop is built after the pieces whose callbacks feed or read it (none runs before then).
  const late_loop = new Late<AgentLoop>("the agent loop");
  const observers = createObservers(base, late_loop);
  const { counters, events, hooks, local, rest_metrics } = observers;
  const nc = await connectAgentNats(base, events);
  const topology = createTopology(base, nc, counters);
  const links = createLinks({ base, nc, counters, local, loop: late_loop });
  const journals = createJournals({ base, nc, events, rest_metrics });
  const rest = await startRestApp({ base, nc, observers, topology, links, journals, loop: late_loop });
  // No await from here to the loop: no REST request is handled before it exists.
  const loop = createAgentLoop({ base, observers, links, topology, loop: late_loop });
  const stopInputs = startInputs({ base, nc, loop, links, local, topology });
  const config_file = createConfigFile(base, local, late_loop);
  const peer_ports = createPeerPorts(base, loop, config_file);
  const late_resp = new Late<RespServer>("the Sentinel port");
  const reloadTls = createTlsConfigSet({ base, config_file, resp: late_resp, rest });
  const { resp, shutdown_requested } = await startRespServer({
    base,
    observers,
    loop,
    prober: links.prober,
    peer_ports,
    config_file,
    reloadTls,
    audit: journals.audit,
    late_resp,
  });
  // Sentinel writes a generated myid into its file at once; so do we.
  if (base.generated_myid) await config_file.flush();
  peer_ports.start();
  announceStarted({ base, loop, nc, topology, rest_metrics });
  return {
    myid,
    loop,
    events,
    status: links.status,
    hooks,
    counters,
    resp,
    rest,
    config: () => config,
    flushConfig: () => config_file.flush(),
    shutdown_requested,
    stop: agentStop({ stopInputs, rest, resp, loop, prober: links.prober, peer_ports, hooks, journals, nc }),
  };
}
