// Entry point: node --import tsx services/vip-manager/src/main.ts --config file.json
// One per host: follows the committed topology, moves this host's VIPs, runs the host's hooks.
import { hostname } from "node:os";
import { oldHolderGoneWithin_ms } from "@sentinel-plane/core/vip";
import { HookRunner } from "@sentinel-plane/hooks";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";
import {
  connectNats,
  createLogger,
  errorMessage,
  logUnhandledRejections,
  nodeTimers,
  refuseConfigAtStart,
  startOpsServerFromEnv,
  TOPOLOGY_BUCKET_DEFAULTS,
  TopologyStore,
} from "@sentinel-plane/runtime";
import { VipManager } from "@sentinel-plane/vip-shell";
import { loadConfig } from "./config.js";
import type { VipManagerConfig } from "./config.js";
import { vipManagerMetricLines } from "./metrics.js";
import { KvTopologySource } from "./topology-source.js";
import { VipController } from "./vip-controller.js";

/** Opening the bucket is awaited (JetStream may still be starting); bounded, then exit. */
const BUCKET_OPEN_ATTEMPTS_MAX = 600;
const BUCKET_OPEN_RETRY_MS = 1000;

async function main(): Promise<number> {
  const config = loadConfig(process.argv.slice(2), process.env, safeHostName());
  if (!config.ok) return refuseConfigAtStart("vip-manager", config.error);
  const c = config.value;
  const logger = createLogger({
    service: "vip-manager",
    level: c.log_level,
    base: { host_name: c.host_name, cluster_id: c.cluster_id },
  });
  logUnhandledRejections(logger);

  const running = buildManager(c, logger);
  // The lease clock starts now: if NATS cannot be reached within lease_ms, VIPs are released.
  running.start();
  logger.info(
    {
      event: "started",
      vips: c.vips.map((vip) => `${vip.master_name}=${vip.vip}/${vip.prefix_length}@${vip.interface}`),
      host_addresses: c.host_addresses,
      lease_ms: c.lease_ms,
      reconcile_interval_ms: c.reconcile_interval_ms,
      client_reconfig_script: c.hooks.client_reconfig_script,
      notification_script: c.hooks.notification_script,
    },
    "vip-manager started",
  );

  const process_state: ProcessState = { nc: null, stopping: false };
  const ops = await startOps(running, process_state, logger);
  const stopped = stopOnSignal(c, running, process_state, logger, async () => {
    await ops?.close();
  });

  // connectNats waits for a first server forever; a signal meanwhile ends the wait.
  const connecting = connectNats({ ...c.nats, name: `vip-manager-${c.host_name}` }, logger);
  const nc = await Promise.race([connecting, stopped.then(() => null)]);
  process_state.nc = nc;
  if (nc === null || process_state.stopping) {
    await stopped;
    return 0;
  }
  void followStatus(nc, running, logger);
  const source = topologySource(c, nc, logger);
  const isStopping = (): boolean => process_state.stopping;
  if (!(await bucketOpen(source, logger, isStopping))) {
    source.stop();
    if (isStopping()) {
      await stopped;
      return 0;
    }
    await running.stop();
    await nc.close().catch(() => undefined);
    return 1;
  }
  if (!isStopping()) await running.attach(source);
  await stopped;
  return 0;
}

/** Written by the signal handler and the start-up sequence, read by the health check. */
interface ProcessState {
  nc: NatsConnection | null;
  stopping: boolean;
}

/** The manager over this host's VIP controllers and (when a script is configured) hooks. */
function buildManager(c: VipManagerConfig, logger: Logger): VipManager {
  let manager: VipManager | null = null;
  // The kernel enforces the lease: the reconcile tick renews it while this process lives, and the
  // address of a SIGKILLed manager vanishes within ceil(lease) s plus the kernel's lifetime check
  // (about a second), instead of staying until a restart.
  const lifetime_s = Math.ceil(c.lease_ms / 1000);
  const hooks =
    c.hooks.client_reconfig_script === null && c.hooks.notification_script === null
      ? null
      : new HookRunner({
          limits: c.hooks.limits,
          ...(c.hooks.env === null ? {} : { env: c.hooks.env }),
          cwd: c.hooks.cwd,
          on_event: (event) => manager?.scriptEvent(event),
          on_finished: (job, outcome) => manager?.scriptFinished(job, outcome),
        });
  const vips = c.vips.map(
    (vip) =>
      new VipController(vip, {
        ip_path: c.ip_path,
        arping_path: c.arping_path,
        command_prefix: c.command_prefix,
        command_timeout_ms: c.command_timeout_ms,
        arping_count: c.arping_count,
        lifetime_s,
        dad_probes: c.dad_probes,
        dad_probe_wait_ms: c.dad_probe_wait_ms,
      }),
  );
  manager = new VipManager({
    settings: {
      host_name: c.host_name,
      host_addresses: c.host_addresses,
      lease_ms: c.lease_ms,
      reconcile_interval_ms: c.reconcile_interval_ms,
      // Every vip-manager of the cluster runs with the same lease (one config per cluster).
      bind_wait_max_ms: oldHolderGoneWithin_ms({
        lease_ms: c.lease_ms,
        reconcile_interval_ms: c.reconcile_interval_ms,
        lifetime_s,
      }),
      release_on_shutdown: c.release_on_shutdown,
      shutdown_hooks_wait_ms: c.shutdown_hooks_wait_ms,
      client_reconfig_script: c.hooks.client_reconfig_script,
      notification_script: c.hooks.notification_script,
      hook_masters: c.hooks.masters,
    },
    logger,
    vips,
    hooks,
    // The loop's time: this process's monotonic clock and Node's timers.
    now_ms: () => performance.now(),
    timers: nodeTimers,
  });
  return manager;
}

/**
 * SP_METRICS_PORT: process metrics and the manager's (metrics.ts); healthy once NATS is connected
 * and while the lease holds, until shutdown.
 */
function startOps(
  running: VipManager,
  state: ProcessState,
  logger: Logger,
): ReturnType<typeof startOpsServerFromEnv> {
  const connected = (): boolean => state.nc !== null && !state.nc.isClosed();
  return startOpsServerFromEnv(process.env, logger, {
    lines: () => vipManagerMetricLines(running.snapshot(), connected()),
    health: () =>
      state.stopping
        ? { ok: false, detail: "stopping" }
        : !connected()
          ? { ok: false, detail: "no NATS connection" }
          : running.snapshot().lease_lost
            ? { ok: false, detail: "lease lost: the committed topology is unreadable, VIPs released" }
            : { ok: true, detail: "running" },
  });
}

/** Resolves once SIGTERM/SIGINT has stopped the manager, closed NATS and run `close`. */
function stopOnSignal(
  c: VipManagerConfig,
  running: VipManager,
  state: ProcessState,
  logger: Logger,
  close: () => Promise<void>,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      if (state.stopping) return;
      state.stopping = true;
      logger.info({ event: "shutdown", signal, release_on_shutdown: c.release_on_shutdown }, "shutting down");
      void (async () => {
        await running.stop();
        if (state.nc !== null) await state.nc.close().catch(() => undefined);
        await close();
        resolve();
      })();
    };
    process.once("SIGTERM", () => {
      shutdown("SIGTERM");
    });
    process.once("SIGINT", () => {
      shutdown("SIGINT");
    });
  });
}

/** The committed topology, read-only: this host follows whatever the agents commit. */
function topologySource(c: VipManagerConfig, nc: NatsConnection, logger: Logger): KvTopologySource {
  return new KvTopologySource(
    new TopologyStore(
      nc,
      {
        cluster_id: c.cluster_id,
        bucket: { ...TOPOLOGY_BUCKET_DEFAULTS, replicas: c.kv_replicas },
        request_timeout_ms: c.kv_timeout_ms,
        masters: null,
        refresh_interval_ms: 0,
        retry_base_ms: c.nats.reconnect_wait_ms,
        retry_max_ms: BUCKET_OPEN_RETRY_MS * 5,
        under_replicated: "follow",
      },
      logger,
    ),
    c.kv_timeout_ms,
  );
}

/** Waits for the store to open and follow the bucket (it retries and logs by itself); bounded. */
async function bucketOpen(
  source: KvTopologySource,
  logger: Logger,
  stopping: () => boolean,
): Promise<boolean> {
  for (let attempt = 1; attempt <= BUCKET_OPEN_ATTEMPTS_MAX && !stopping(); attempt++) {
    if (source.watching) return true;
    await new Promise((resolve) => setTimeout(resolve, BUCKET_OPEN_RETRY_MS / 10));
  }
  if (!stopping())
    logger.fatal({ event: "kv_open_gave_up", attempts: BUCKET_OPEN_ATTEMPTS_MAX }, "giving up");
  return false;
}

async function followStatus(nc: NatsConnection, manager: VipManager, logger: Logger): Promise<void> {
  try {
    for await (const status of nc.status()) manager.natsStatus(status.type);
  } catch (error) {
    logger.error({ event: "nats_status_failed", error: errorMessage(error) }, "NATS status stream failed");
  }
}

function safeHostName(): string {
  const name = hostname()
    .replace(/[^A-Za-z0-9_.-]/g, "_")
    .slice(0, 64);
  return name === "" ? "host" : name;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`vip-manager crashed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
