// The links to the peers' Sentinel ports (peer-port-watch.ts): logged in as Sentinel logs in to
// other Sentinels, over TLS when tls-replication is on (Sentinel's rule for all its links).
import { AGENT_TIMING_DEFAULT } from "@sentinel-plane/core";
import type { SentinelConfig } from "../config/index.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import { PeerPortWatch } from "../peer-port-watch.js";
import { RedisProber } from "../redis-prober.js";
import type { RedisAuth } from "../redis-prober.js";
import type { AgentBase } from "./agent-base.js";
import type { ConfigFile } from "./config-file.js";
import { peerSentinelAddresses } from "./master-lookup.js";

/** sentinel.c sentinelSendAuthIfNeeded: sentinel-user/sentinel-pass, else requirepass alone. */
export function peerAuth(current: SentinelConfig, requirepass: string | null): RedisAuth {
  if (current.sentinel_pass !== null) {
    return {
      ...(current.sentinel_user === null ? {} : { username: current.sentinel_user }),
      password: current.sentinel_pass,
    };
  }
  return requirepass === null ? {} : { password: requirepass };
}

export function createPeerPorts(base: AgentBase, loop: AgentLoop, config_file: ConfigFile): PeerPortWatch {
  const prober = new RedisProber({
    instances_max: 1024,
    connect_timeout_ms: AGENT_TIMING_DEFAULT.probe_timeout_ms,
    // A peer that is down is tried again at most once a second (each PING round).
    reconnect_max_ms: 1000,
    // Read at each PING: a SENTINEL CONFIG SET of either replaces the link (the prober's rule).
    auth_for: () => peerAuth(config_file.current(), base.config.server.requirepass),
    connection_name: `sentinel-${base.myid.slice(0, 8)}-cmd`,
    ...(base.tls.redis === undefined ? {} : { tls: base.tls.redis }),
  });
  return new PeerPortWatch({
    prober,
    now_ms: base.now_ms,
    targets: () => peerSentinelAddresses(loop.state),
    ping_period_ms: 1000,
    ping_timeout_ms: 1000,
    peers_max: 1024,
    retain: (targets) => {
      prober.retain(targets);
    },
    close: () => {
      prober.close();
    },
  });
}
