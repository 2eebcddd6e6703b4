// The faults, each stamped on performance.now():
//  - kill:       SIGKILL of the primary's redis-server.
//  - stop:       SIGSTOP of it (a hang); SIGCONT at teardown.
//  - partition:  iptables DROP of every TCP packet to and from the primary's port (inside the
//                private namespace); ours: the supervising data-node is SIGSTOPped at the same
//                moment, since in a real partition its reports would not arrive either.
//  - switchover: SENTINEL FAILOVER <name> sent to the first sentinel / agent.
// A kill or a hang leaves ours' data-node running: it is part of the primary's host.
import type { Harness } from "@sentinel-plane/testkit";
import { directClient } from "./clients.js";
import type { Deployment } from "./implementations.js";
import { cutPort, healAll } from "./netns.js";
import type { FaultKind } from "./types.js";

export interface Injected {
  /** The fault's instant: the signal sent, the rules in place, the command sent. */
  readonly fault_ms: number;
  /** How long the injection itself took. */
  readonly inject_ms: number;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

export async function injectFault(
  fault: FaultKind,
  deployment: Deployment,
  primary_pid: number,
  procs: Harness,
): Promise<Injected> {
  switch (fault) {
    case "kill": {
      const t = performance.now();
      process.kill(primary_pid, "SIGKILL");
      return { fault_ms: t, inject_ms: performance.now() - t };
    }
    case "stop": {
      procs.onCleanup(() => {
        signal(primary_pid, "SIGCONT");
      });
      const t = performance.now();
      process.kill(primary_pid, "SIGSTOP");
      return { fault_ms: t, inject_ms: performance.now() - t };
    }
    case "partition": {
      procs.onCleanup(() => {
        healAll();
        for (const pid of deployment.host_pids) signal(pid, "SIGCONT");
      });
      const t = performance.now();
      cutPort(deployment.primary_port); // synchronous: no event is stamped while it runs
      const cut_ms = performance.now();
      for (const pid of deployment.host_pids) process.kill(pid, "SIGSTOP");
      return { fault_ms: cut_ms, inject_ms: cut_ms - t };
    }
    case "switchover": {
      const client = directClient(deployment.sentinel_ports[0] ?? 0, {
        connection_name: "bench-switchover",
        target: "sentinel",
      });
      try {
        await client.connect();
        const t = performance.now();
        const reply = await client.call("SENTINEL", "FAILOVER", deployment.master_name);
        if (reply !== "OK") throw new Error(`SENTINEL FAILOVER answered ${String(reply)}`);
        return { fault_ms: t, inject_ms: performance.now() - t };
      } finally {
        client.disconnect();
      }
    }
  }
}
