// The agent's stop, in the order that matters: no new inputs (tick, topology watch), then no new
// requests (REST, the Sentinel port), then the loop, the probes, running scripts, the journals'
// queues, and last the NATS connection, drained so what was published still goes out.
import type { HookRunner } from "@sentinel-plane/hooks";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import type { RespServer } from "../resp/index.js";
import type { RestServer } from "../rest/index.js";
import type { Journals } from "./journals.js";
import type { Links } from "./links.js";
import type { PeerPortWatch } from "../peer-port-watch.js";

export interface ShutdownParts {
  readonly stopInputs: () => void;
  readonly rest: RestServer;
  readonly resp: RespServer;
  readonly loop: AgentLoop;
  readonly prober: Links["prober"];
  readonly peer_ports: PeerPortWatch;
  readonly hooks: HookRunner;
  readonly journals: Journals;
  readonly nc: NatsConnection;
}

export function agentStop(parts: ShutdownParts): () => Promise<void> {
  return async () => {
    parts.stopInputs();
    await parts.rest.close();
    await parts.resp.close();
    parts.loop.stop();
    parts.prober.close();
    parts.peer_ports.close();
    await parts.hooks.close();
    parts.journals.history.stop();
    parts.journals.audit_journal.stop();
    await parts.nc.drain().catch(() => undefined);
  };
}
