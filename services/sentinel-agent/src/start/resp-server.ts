// The Sentinel protocol port: the view of the loop that SENTINEL, INFO, ACL, CONFIG and DEBUG
// read and change, listening once the loop runs.
import { AGENT_TIMING_DEFAULT } from "@sentinel-plane/core";
import { errorMessage } from "@sentinel-plane/runtime";
import type { AuditLog } from "../audit-log.js";
import { withGlobalParam } from "../config/global-params.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import { RESP_LIMITS_DEFAULT, RespServer, respUsers, SHUTDOWN_FAILED } from "../resp/index.js";
import { createSentinelView } from "../sentinel-view.js";
import type { SentinelView } from "../resp/index.js";
import type { AgentBase } from "./agent-base.js";
import type { ConfigFile } from "./config-file.js";
import type { Observers } from "./events-hooks.js";
import type { Links } from "./links.js";
import { instanceAddresses } from "./master-lookup.js";
import type { Late } from "./late.js";
import type { PeerPortWatch } from "../peer-port-watch.js";
import type { ReloadTls } from "./tls-config-set.js";

export interface RespServerContext {
  readonly base: AgentBase;
  readonly observers: Observers;
  readonly loop: AgentLoop;
  readonly prober: Links["prober"];
  /** The links to the peers' Sentinel ports: CKQUORUM and SENTINEL SENTINELS read them. */
  readonly peer_ports: PeerPortWatch;
  readonly config_file: ConfigFile;
  readonly reloadTls: ReloadTls;
  readonly audit: AuditLog;
  /** Set to the server once built, before it listens: TLS reloads reach it through this. */
  readonly late_resp: Late<RespServer>;
}

export interface RespStarted {
  readonly resp: RespServer;
  /** Resolves when a client's SHUTDOWN asked the agent to stop (config flushed). */
  readonly shutdown_requested: Promise<void>;
}

export async function startRespServer(ctx: RespServerContext): Promise<RespStarted> {
  const { base, loop, config_file } = ctx;
  const { config, logger, now_ms } = base;
  let requestShutdown = (): void => undefined;
  const shutdown_requested = new Promise<void>((resolve) => {
    requestShutdown = resolve;
  });
  const resp = new RespServer({
    host: config.server.bind?.[0] ?? "0.0.0.0",
    port: config.server.port === 0 ? null : config.server.port, // port 0: TLS only, as Redis
    tls: base.tls.resp,
    view: sentinelView(ctx),
    requirepass: config.server.requirepass,
    users: respUsers(config),
    // ACL SETUSER / DELUSER: the users are written into sentinel.conf at once.
    on_acl_changed: async (users) => {
      config_file.update((file_config) => ({
        ...file_config,
        server: { ...file_config.server, users: users.lines() },
      }));
      await config_file.flush();
    },
    audit: ctx.audit,
    // SENTINEL DEBUG: the parameters that mean the same in the core change its timing at once.
    on_debug_changed: (get) => {
      loop.feed({
        type: "set_timing",
        now_ms: now_ms(),
        timing: {
          info_period_ms: get("info-period") ?? AGENT_TIMING_DEFAULT.info_period_ms,
          tilt_trigger_ms: get("tilt-trigger") ?? AGENT_TIMING_DEFAULT.tilt_trigger_ms,
          tilt_period_ms: get("tilt-period") ?? AGENT_TIMING_DEFAULT.tilt_period_ms,
        },
      });
    },
    // SHUTDOWN, as Sentinel: flush the config, then stop (FORCE goes on when the flush fails).
    on_shutdown: async ({ force }) => {
      try {
        await config_file.flush();
      } catch (failure) {
        logger.warn({ reason: errorMessage(failure), force }, "SHUTDOWN: config flush failed");
        if (!force) return SHUTDOWN_FAILED;
      }
      logger.info({}, "SHUTDOWN requested by a client");
      requestShutdown();
      return null;
    },
    limits: {
      ...RESP_LIMITS_DEFAULT,
      connections_max: config.server.maxclients,
      unauthenticated_timeout_ms: config.plane.unauthenticated_timeout_s * 1000,
    },
    redis_version: "7.0.15",
    config_file: base.options.config_path,
    now_ms,
    early: base.options.early_port ?? null,
  });
  ctx.late_resp.set(resp);
  await resp.listen();
  return { resp, shutdown_requested };
}

/** What the Sentinel commands read and change: the loop, events, scripts, config and probes. */
function sentinelView(ctx: RespServerContext): SentinelView {
  const { loop, prober, config_file } = ctx;
  const { config } = ctx.base;
  const { simulated } = ctx.observers;
  return createSentinelView({
    loop,
    events: ctx.observers.events,
    hooks: ctx.observers.hooks,
    config: () => config,
    local: ctx.observers.local,
    // Sentinel drops the links (dropInstanceConnections): the next probes log in anew.
    on_auth_changed: (name) => {
      prober.reconnect(instanceAddresses(loop.state, name));
    },
    flushConfig: () => config_file.flush(),
    resolved_ip: (host) => prober.resolvedIp(host),
    persistGlobal: async (param, value) => {
      config_file.update((file_config) => withGlobalParam(file_config, param, value));
      await config_file.flush();
    },
    reloadTls: (param, value) => ctx.reloadTls(param, value),
    peer_port: (address) => ctx.peer_ports.record(address),
    simulate: (failures) => {
      for (const f of failures) simulated.add(f);
    },
    simulate_flags: () =>
      (simulated.has("crash-after-election") ? 1 : 0) | (simulated.has("crash-after-promotion") ? 2 : 0),
  });
}
