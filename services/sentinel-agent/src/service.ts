// Assembles one sentinel-agent: configuration -> persisted state -> core -> ports -> loop. The
// only place where the pieces meet; each piece stays testable alone.
import { accessSync, constants as fsConstants, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { randomBytes, randomInt } from "node:crypto";
import { dirname, isAbsolute, join, resolve } from "node:path";
import {
  AGENT_TIMING_DEFAULT,
  initAgent,
  masterNames,
  persistedState,
  replicaViews,
  sameAddress,
} from "@sentinel-plane/core";
import type {
  Address,
  AgentState,
  AgentTiming,
  NodeCommand,
  PersistedState,
  Random,
} from "@sentinel-plane/core";
import { clientReconfigArgv, HookRunner, notificationArgv } from "@sentinel-plane/hooks";
import {
  connectNats,
  Counters,
  JOURNAL_LIMITS_DEFAULT,
  JournalStore,
  NATS_DEFAULTS,
  TOPOLOGY_BUCKET_DEFAULTS,
  TopologyStore,
  errorMessage,
  writeFileAtomic,
} from "@sentinel-plane/runtime";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";
import {
  applyEnvOverrides,
  applyPersistedState,
  configuredMasters,
  ensureMyid,
  MYID_RANDOM_BYTES,
  parseSentinelConf,
  renderSentinelConf,
  toPersistedState,
} from "./config/index.js";
import type { ConfigDocument, SentinelConfig } from "./config/index.js";
import { AuditLog } from "./audit-log.js";
import { DirectRedis } from "./direct-redis.js";
import { EventHub } from "./event-hub.js";
import { KvTopology } from "./kv-topology.js";
import { AgentLoop } from "./loop.js";
import { NatsNodeCommander } from "./node-commander.js";
import { NatsPeers } from "./nats-peers.js";
import { PRE_PROMOTE_RUNNER_DEFAULTS, PrePromoteRunner } from "./pre-promote.js";
import { RedisProber } from "./redis-prober.js";
import type { RedisAuth } from "./redis-prober.js";
import { JsonStateFile } from "./state-file.js";
import { checkNatsUserMyid, stateForConfMyid } from "./myid-authority.js";
import { LocalMasterOptions } from "./local-master-options.js";
import { withGlobalParam } from "./config/global-params.js";
import { LeaseDesk } from "./lease-desk.js";
import { SwitchoverDesk } from "./switchover-desk.js";
import { sendNodeOp } from "./node-ops.js";
import { StatusIntake } from "./status-intake.js";
import { FailoverTelemetry } from "./telemetry.js";
import { natsConnectedFlag, registerOperatorMetrics } from "./operator-metrics.js";
import { historyRecordOf, registerJournalMetrics } from "./journal-metrics.js";
import { registerForgetMetrics } from "./forget-metrics.js";
import { RESP_LIMITS_DEFAULT, RespServer, respUsers, SHUTDOWN_FAILED } from "./resp/index.js";
import type { AdminResult, SimulatedFailure } from "./resp/index.js";
import type { EarlyPort } from "./resp/early-port.js";
import { createSentinelView } from "./sentinel-view.js";
import { LEASE_ANSWER_MS, REST_LIMITS_DEFAULT, RestMetrics, RestServer } from "./rest/index.js";
import { announcedSentinelPort, setupAgentTls } from "./tls-setup.js";
import { TlsReloader, withTlsParam } from "./tls-reload.js";
import type { TlsReloadParam } from "./tls-reload.js";

export const AGENT_TIMING: AgentTiming = AGENT_TIMING_DEFAULT;

const TICK_MS = 100;
const RETAIN_EVERY_TICKS = 10;
/** Every admin request (RESP, REST) is answered within this, at worst with SP_ERR_TIMEOUT. */
const ADMIN_TIMEOUT_MS = 5000;
/** Safety-net reads of the topology keys (a watch stalled across a NATS outage). */
const TOPOLOGY_REFRESH_MS = 1000;
/** Longest wait between two attempts to open or watch the topology bucket. */
const TOPOLOGY_RETRY_MAX_MS = 5000;
/** Journal records (history, audit) waiting for JetStream at most, each. */
const JOURNAL_QUEUE_MAX = 1000;

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

export interface StartOptions {
  readonly config_path: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** The Sentinel port main.ts bound at process start (resp/early-port.ts), if any. */
  readonly early_port?: EarlyPort | null;
}

export class StartError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

async function loadConfig(
  path: string,
  env: StartOptions["env"],
): Promise<{
  file: SentinelConfig;
  document: ConfigDocument;
  effective: SentinelConfig;
  generated_myid: boolean;
}> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new StartError("SP_ERR_CONFIG_INVALID", `cannot read ${path}: ${String(error)}`);
  }
  const parsed = parseSentinelConf(text, {
    source: path,
    isExecutable: (script, dir) => isExecutable(isAbsolute(script) ? script : resolve(dir ?? ".", script)),
  });
  if (!parsed.ok) throw new StartError(parsed.error.code, parsed.error.message);
  const with_id = ensureMyid(parsed.value.config, () => randomBytes(MYID_RANDOM_BYTES));
  const overridden = applyEnvOverrides(with_id, env);
  if (!overridden.ok) throw new StartError(overridden.error.code, overridden.error.message);
  return {
    file: with_id,
    document: parsed.value.document,
    effective: overridden.value.config,
    generated_myid: parsed.value.config.myid === null,
  };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The state file's content under sentinel.conf's myid (myid-authority.ts): a state written under
 * another id is rewritten at once, so that the file never disagrees with the running agent.
 */
async function stateUnderConfMyid(
  state_file: JsonStateFile,
  myid: string,
  logger: Logger,
): Promise<PersistedState | null> {
  const loaded = await state_file.load();
  if (loaded === null) return null;
  const adopted = stateForConfMyid(loaded, myid);
  if (adopted.replaced_myid === null) return loaded;
  logger.warn(
    { event: "state_myid_replaced", previous_myid: adopted.replaced_myid, myid, state_file: state_file.path },
    "the state file's myid differs from sentinel.conf's: the state follows sentinel.conf (epochs and votes kept)",
  );
  await state_file.save(adopted.state);
  return adopted.state;
}

const cryptoRandom: Random = { int: (max_exclusive) => randomInt(max_exclusive) };

export async function startSentinelAgent(options: StartOptions): Promise<AgentHandle> {
  const { logger } = options;
  const loaded = await loadConfig(options.config_path, options.env);
  let file_config = loaded.file;
  const config = loaded.effective;
  const myid = config.myid;
  if (myid === null) throw new StartError("SP_ERR_CONFIG_INVALID", "no myid"); // ensureMyid gave one
  const nats_user_check = checkNatsUserMyid(config.plane.nats_user, myid);
  if (!nats_user_check.ok) throw new StartError(nats_user_check.error.code, nats_user_check.error.message);
  const tls_setup = setupAgentTls(config); // every certificate read now: a bad file stops the start
  if (!tls_setup.ok) throw new StartError(tls_setup.error.code, tls_setup.error.message);
  const tls = tls_setup.value;
  const plane = config.plane;
  const state_dir = plane.state_dir ?? dirname(options.config_path);
  const state_file = new JsonStateFile(join(state_dir, "sentinel-plane-state.json"));
  const persisted = (await stateUnderConfMyid(state_file, myid, logger)) ?? toPersistedState(config);
  const started = performance.now();
  const now_ms = (): number => Math.floor(performance.now() - started) + 1;
  const announce: Address = {
    host: config.announce_ip ?? config.server.bind?.[0] ?? "127.0.0.1",
    port: config.announce_port ?? announcedSentinelPort(config),
  };
  const counters = new Counters();
  // SENTINEL SIMULATE-FAILURE at run time, beside SP_SIMULATE_FAILURE from the environment.
  const simulated = new Set<SimulatedFailure>();
  const telemetry = new FailoverTelemetry(now_ms);
  const rest_metrics = new RestMetrics();

  // Sentinel chdirs to `dir`: relative script paths and the scripts' working directory follow it.
  const work_dir = resolve(config.server.dir ?? ".");
  const local = new LocalMasterOptions(
    { deny_scripts_reconfig: config.deny_scripts_reconfig, work_dir, isExecutable },
    config.masters,
  );
  const authFor = (target: Address): RedisAuth => authForAddress(local, loop.state, target);
  const events = new EventHub(
    { cluster_id: plane.cluster_id, myid, history_max: 1000, listeners_max: 1000, now_ms },
    logger,
  );
  // Script events (-script-error, -script-timeout, +script-child...) are Sentinel events too.
  const hooks = new HookRunner({
    cwd: work_dir,
    on_event: (event) => {
      events.emit({
        name: event.type,
        level: event.level === "warning" ? "warning" : "verbose",
        master_name: null,
        text: event.message,
        epoch: loop.state.current_epoch,
      });
    },
  });

  const nc: NatsConnection = await connectNats(
    {
      servers: plane.nats_servers,
      name: `sentinel-agent-${myid.slice(0, 8)}`,
      ...(plane.nats_user === null ? {} : { user: plane.nats_user }),
      ...(plane.nats_pass === null ? {} : { pass: plane.nats_pass }),
      ...(plane.nats_token === null ? {} : { token: plane.nats_token }),
      ...(tls.nats === undefined ? {} : { tls: tls.nats }),
      ...NATS_DEFAULTS,
      // Our own broadcasts (a hello per master per second) would only be decoded and dropped.
      no_echo: true,
    },
    logger,
  );
  events.attach(nc);
  // The bucket is opened (created, checked) and followed in the background: an agent starts and
  // answers while NATS or JetStream is away, and says so on /readyz.
  const topology = new KvTopology(
    new TopologyStore(
      nc,
      {
        cluster_id: plane.cluster_id,
        bucket: { ...TOPOLOGY_BUCKET_DEFAULTS, replicas: plane.topology_replicas },
        request_timeout_ms: NATS_DEFAULTS.connect_timeout_ms,
        masters: null,
        refresh_interval_ms: TOPOLOGY_REFRESH_MS,
        retry_base_ms: NATS_DEFAULTS.reconnect_wait_ms,
        retry_max_ms: TOPOLOGY_RETRY_MAX_MS,
        under_replicated: "refuse",
      },
      logger,
    ),
    {
      on_invalid: (key, reason) => {
        counters.inc("malformed_total", { source: "kv" });
        logger.warn({ key, reason }, "invalid topology record ignored");
      },
    },
  );
  const malformed = (subject: string, code: string, reason: string): void => {
    counters.inc("malformed_total", { source: subject.split(".")[2] ?? "?" });
    logger.warn({ subject, code, reason }, "malformed message ignored");
  };
  const status = new StatusIntake({
    cluster_id: plane.cluster_id,
    nodes_max: 4096,
    deliver: (report) => loop.feed({ type: "node_report", now_ms: now_ms(), report }),
    on_malformed: malformed,
  });
  const leases = new LeaseDesk({
    cluster_id: plane.cluster_id,
    direct_waiting_max: 256,
    deliver: (request) => loop.feed({ type: "lease_request", now_ms: now_ms(), request }),
    on_malformed: malformed,
  });
  const peers = new NatsPeers(nc, {
    cluster_id: plane.cluster_id,
    myid,
    deliver: (message) => loop.feed({ type: "peer_message", now_ms: now_ms(), message }),
    on_malformed: malformed,
    on_forged: (subject, claimed_from, sender, type) => {
      counters.inc("forged_total", { source: "peer" });
      logger.warn(
        { event: "forged_message", subject, claimed_from, sender, type },
        `refused a ${type} claiming to be from ${claimed_from} on ${subject} (sent by ${sender ?? "?"})`,
      );
    },
  });
  const prober = new RedisProber({
    instances_max: 4096,
    connect_timeout_ms: AGENT_TIMING.probe_timeout_ms,
    reconnect_max_ms: 200,
    auth_for: authFor,
    command_name: (target, command) => commandNameForAddress(local, loop.state, target, command),
    ...(tls.redis === undefined ? {} : { tls: tls.redis }),
  });
  const nodes = new NatsNodeCommander(nc, {
    cluster_id: plane.cluster_id,
    issuer: myid,
    directory: status,
    direct: new DirectRedis(authFor, tls.redis),
    on_fallback: (target: Address, command: NodeCommand, reason: string) => {
      counters.inc("direct_commands_total", { command: command.type });
      logger.warn(
        { event: "direct-command", target, command: command.type, reason },
        `data-node unreachable, commanding ${target.host}:${target.port} directly (${command.type}): ${reason}`,
      );
    },
    on_withdrawn: (target: Address, epoch: number, command: NodeCommand, reason: string) => {
      counters.inc("withdrawn_commands_total", { command: command.type });
      logger.warn(
        { event: "command-withdrawn", target, epoch, command: command.type, reason },
        `not commanding ${target.host}:${target.port} directly (${command.type} at epoch ${epoch}): its failover has ended`,
      );
    },
  });

  // The durable failover history and audit log (JetStream streams with limits), appended through
  // bounded queues: NATS away never blocks the agent, what is dropped is logged and counted.
  const journal = (kind: "history" | "audit"): JournalStore =>
    new JournalStore(
      nc,
      {
        cluster_id: plane.cluster_id,
        kind,
        writer: myid,
        replicas: plane.topology_replicas,
        limits: JOURNAL_LIMITS_DEFAULT,
        request_timeout_ms: NATS_DEFAULTS.connect_timeout_ms,
        queue_max: JOURNAL_QUEUE_MAX,
        retry_base_ms: NATS_DEFAULTS.reconnect_wait_ms,
        retry_max_ms: TOPOLOGY_RETRY_MAX_MS,
      },
      logger,
    );
  const history_journal = journal("history");
  const audit_journal = journal("audit");
  const audit = new AuditLog({ myid, wall_ms: () => Date.now(), journal: audit_journal }, logger);
  const observeForgotten = registerForgetMetrics(rest_metrics.registry);
  events.subscribe(observeForgotten);
  const journal_invalid = registerJournalMetrics(rest_metrics.registry, {
    journals: () => [
      { kind: "history", health: history_journal.health() },
      { kind: "audit", health: audit_journal.health() },
    ],
  });

  const rest = new RestServer({
    host: config.server.bind?.[0] ?? "0.0.0.0",
    port: plane.rest_port,
    https: tls.rest,
    myid,
    cluster_id: plane.cluster_id,
    // Read only by requests and scrapes: the loop is created right after `rest.start()` with no
    // await in between, so before any request can be handled.
    loop: {
      get state() {
        return loop.state;
      },
      admin: (command) => loop.admin(command),
    },
    node_op: (master_name, address, op) =>
      sendNodeOp(
        nc,
        {
          cluster_id: plane.cluster_id,
          issuer: myid,
          epoch: loop.state.masters.get(master_name)?.config_epoch ?? 0,
          // A reinit stops and starts redis-server: give it the admin bound, not a probe's.
          timeout_ms: REST_LIMITS_DEFAULT.admin_timeout_ms,
          node_for: (target) => status.nodeFor(target),
        },
        address,
        op,
      ),
    lease_direct: (request) => leases.direct(request, LEASE_ANSWER_MS),
    events,
    topology,
    nc,
    now_ms,
    rest_token: plane.rest_token,
    limits: { ...REST_LIMITS_DEFAULT, rate_max: plane.rest_rate_limit },
    env: options.env,
    metrics: rest_metrics,
    logger,
    journals: {
      history: history_journal,
      audit: audit_journal,
      on_invalid: (kind, seq, reason) => {
        journal_invalid.inc({ journal: kind });
        logger.warn(
          { event: "journal_record_invalid", journal: kind, seq, reason },
          "invalid journal record skipped",
        );
      },
    },
    audit,
    on_own_failover_end: (failover) => {
      history_journal.append(historyRecordOf(myid, failover));
    },
  });
  // Built and listening before the core starts: building it (fastify, TypeBox, Swagger) holds the
  // event loop for 0.3-0.9 s here, and a loop held while probing turns replies that arrived in
  // time into unanswered PINGs (an early SDOWN, a healthy replica skipped). Never rejects; a
  // port already taken disables the API, loudly (rest_listen_failed).
  await rest.start();

  // The core's clock starts here, after the slow set-up (NATS, KV, the API): a gap between its
  // start and the first tick would otherwise look like a clock jump and put a fresh agent in TILT.
  const state: AgentState = initAgent(
    { myid, announce, timing: AGENT_TIMING, masters: configuredMasters(config) },
    persisted,
    now_ms(),
  );
  const loop: AgentLoop = new AgentLoop(
    state,
    {
      peers,
      prober: {
        probe: async (target, kind, timeout_ms) => {
          const sent_ms = performance.now();
          const result = await prober.probe(target, kind, timeout_ms);
          const latency_ms = performance.now() - sent_ms;
          rest_metrics.probeLatency(kind, result.ok, latency_ms, `${target.host}:${target.port}`);
          return result;
        },
      },
      nodes: {
        command: (target, epoch, command, timeout_ms, wanted) =>
          telemetry.inFailover(epoch, () => nodes.command(target, epoch, command, timeout_ms, wanted)),
      },
      topology,
      state: state_file,
      events: {
        emit: (event) => {
          events.emit(event);
          telemetry.observe(event);
          simulateFailure(options.env, simulated, event.name, logger);
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
      leases,
    },
    {
      inputs_max: 10_000,
      admin_pending_max: 64,
      admin_timeout_ms: ADMIN_TIMEOUT_MS,
      now_ms,
      unix_ms: () => Date.now(),
      random: cryptoRandom,
      on_error: (error, context) => {
        logger.error({ err: error, context }, "agent loop error");
      },
    },
  );

  let ticks = 0;
  const ticker = setInterval(() => {
    loop.feed({ type: "tick", now_ms: now_ms() });
    // Links of instances no longer monitored: closing them is housekeeping, once a second.
    if (++ticks % RETAIN_EVERY_TICKS === 0) {
      prober.retain(monitoredAddresses(loop.state));
      local.retain(new Set(masterNames(loop.state)));
    }
  }, TICK_MS);
  status.start(nc);
  leases.start(nc);
  // Switchover before a primary's planned shutdown, asked by its data-node (issue 18).
  new SwitchoverDesk({
    cluster_id: plane.cluster_id,
    myid,
    primary_of: (name) => loop.state.masters.get(name)?.address ?? null,
    admin: (command) => loop.admin(command),
    on_malformed: malformed,
    logger,
  }).start(nc);
  peers.start();
  const stopWatch = topology.watch((record, revision) => {
    loop.feed({ type: "topology_observed", now_ms: now_ms(), record, revision });
  });

  let requestShutdown = (): void => undefined;
  const shutdown_requested = new Promise<void>((resolve) => {
    requestShutdown = resolve;
  });
  const resp = new RespServer({
    host: config.server.bind?.[0] ?? "0.0.0.0",
    port: config.server.port === 0 ? null : config.server.port, // port 0: TLS only, as Redis
    tls: tls.resp,
    view: createSentinelView({
      loop,
      events,
      hooks,
      config: () => config,
      local,
      // Sentinel drops the links (dropInstanceConnections): the next probes log in anew.
      on_auth_changed: (name) => {
        prober.reconnect(instanceAddresses(loop.state, name));
      },
      flushConfig: () => flushConfig(),
      resolved_ip: (host) => prober.resolvedIp(host),
      persistGlobal: async (param, value) => {
        file_config = withGlobalParam(file_config, param, value);
        await flushConfig();
      },
      reloadTls: (param, value) => reloadTls(param, value),
      simulate: (failures) => {
        for (const f of failures) simulated.add(f);
      },
      simulate_flags: () =>
        (simulated.has("crash-after-election") ? 1 : 0) | (simulated.has("crash-after-promotion") ? 2 : 0),
    }),
    requirepass: config.server.requirepass,
    users: respUsers(config),
    // ACL SETUSER / DELUSER: the users are written into sentinel.conf at once.
    on_acl_changed: async (users) => {
      file_config = { ...file_config, server: { ...file_config.server, users: users.lines() } };
      await flushConfig();
    },
    audit,
    // SENTINEL DEBUG: the parameters that mean the same in the core change its timing at once.
    on_debug_changed: (get) => {
      loop.feed({
        type: "set_timing",
        now_ms: now_ms(),
        timing: {
          info_period_ms: get("info-period") ?? AGENT_TIMING.info_period_ms,
          tilt_trigger_ms: get("tilt-trigger") ?? AGENT_TIMING.tilt_trigger_ms,
          tilt_period_ms: get("tilt-period") ?? AGENT_TIMING.tilt_period_ms,
        },
      });
    },
    // SHUTDOWN, as Sentinel: flush the config, then stop (FORCE goes on when the flush fails).
    on_shutdown: async ({ force }) => {
      try {
        await flushConfig();
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
    config_file: options.config_path,
    now_ms,
    early: options.early_port ?? null,
  });
  await resp.listen();

  // SENTINEL CONFIG SET tls-*: every TLS file read again, the new certificate served by the
  // Sentinel port and REST to new connections, the setting written back (tls-reload.ts).
  const tls_reloader = new TlsReloader(config, {
    resp: (options) => {
      resp.setTlsContext(options);
    },
    rest: (options) => {
      rest.setTlsContext(options);
    },
  });
  const reloadTls = async (param: TlsReloadParam, value: string): Promise<AdminResult> => {
    const reloaded = tls_reloader.set(param, value);
    if (!reloaded.ok) {
      logger.warn(
        { event: "tls_reload_failed", param, code: reloaded.error.code, reason: reloaded.error.message },
        `TLS configuration not changed (${param}): ${reloaded.error.message}`,
      );
      return {
        ok: false,
        error: `ERR CONFIG SET failed (possibly related to argument '${param}') - Unable to update TLS configuration: ${reloaded.error.message}`,
      };
    }
    logger.info({ event: "tls_reloaded", param }, `TLS files read again after CONFIG SET ${param}`);
    file_config = withTlsParam(file_config, param, value);
    try {
      await flushConfig();
      return { ok: true };
    } catch {
      return { ok: false, error: "ERR Failed to save config file. Check server logs." };
    }
  };
  const flushConfig = async (): Promise<void> => {
    local.retain(new Set(masterNames(loop.state)));
    file_config = local.overlay(applyPersistedState(file_config, persistedState(loop.state)));
    const written = await writeFileAtomic(
      options.config_path,
      renderSentinelConf(loaded.document, file_config),
    );
    if (!written.ok) throw written.error;
  };
  // Sentinel writes a generated myid into its file at once; so do we.
  if (loaded.generated_myid) await flushConfig();
  registerOperatorMetrics(rest_metrics.registry, {
    state: () => loop.state,
    nats_connected: natsConnectedFlag(nc),
    topology: () => topology.health(),
  });
  logger.info({ myid, announce, masters: masterNames(loop.state) }, "sentinel-agent started");

  return {
    myid,
    loop,
    events,
    status,
    hooks,
    counters,
    resp,
    rest,
    config: () => config,
    flushConfig,
    shutdown_requested,
    stop: async () => {
      clearInterval(ticker);
      stopWatch();
      await rest.close();
      await resp.close();
      loop.stop();
      prober.close();
      await hooks.close();
      history_journal.stop();
      audit_journal.stop();
      await nc.drain().catch(() => undefined);
    },
  };
}

/**
 * Crash points for tests, as Sentinel's SENTINEL SIMULATE-FAILURE: with
 * SP_SIMULATE_FAILURE=crash-after-election (or crash-after-promotion) the agent dies right after
 * emitting +elected-leader (+promoted-slave). With SP_SIMULATE_FAILURE_ONCE_FILE set, only the
 * first agent to get there crashes (it creates the file), so a test can let one leader die and
 * the next one finish the failover.
 */
function simulateFailure(
  env: StartOptions["env"],
  runtime: ReadonlySet<SimulatedFailure>,
  event_name: string,
  logger: Logger,
): void {
  const modes = new Set<string>([...runtime, env["SP_SIMULATE_FAILURE"] ?? ""]);
  const crash =
    (event_name === "+elected-leader" && modes.has("crash-after-election")) ||
    (event_name === "+promoted-slave" && modes.has("crash-after-promotion"));
  if (!crash) return;
  const once = env["SP_SIMULATE_FAILURE_ONCE_FILE"];
  if (once !== undefined && once !== "") {
    try {
      writeFileSync(once, `${String(process.pid)}\n`, { flag: "wx" });
    } catch {
      return; // another agent crashed already
    }
  }
  logger.fatal(
    { event: "simulated-crash", after: event_name },
    `simulated failure: crash after ${event_name}`,
  );
  process.kill(process.pid, "SIGKILL");
}

function scriptOf(
  local: LocalMasterOptions,
  master_name: string | null,
  kind: "notification" | "reconfig",
): string | null {
  if (master_name === null) return null;
  const options = local.get(master_name);
  const script = kind === "notification" ? options.notification_script : options.client_reconfig_script;
  return script === null ? null : local.scriptPath(script);
}

/** The master's primary and replicas, as probed now. */
function instanceAddresses(state: AgentState, name: string): Address[] {
  const live = state.masters.get(name);
  if (live === undefined) return [];
  return [live.address, live.link.address, ...replicaViews(state, name).map((r) => r.address)];
}

/** Every address the agent probes (primaries and replicas), to close links no longer needed. */
function monitoredAddresses(state: AgentState): Address[] {
  return masterNames(state).flatMap((name) => instanceAddresses(state, name));
}

/** The master whose primary, replicas or sentinels include `target`, if any. */
function masterOfAddress(state: AgentState, target: Address): string | null {
  for (const name of masterNames(state)) {
    if (instanceAddresses(state, name).some((a) => sameAddress(a, target))) return name;
  }
  return null;
}

/** Sentinel's rename-command: the name `target`'s master knows `command` by. */
function commandNameForAddress(
  local: LocalMasterOptions,
  state: AgentState,
  target: Address,
  command: string,
): string {
  const name = masterOfAddress(state, target);
  return name === null ? command : local.commandName(name, command);
}

/** Credentials of the master an address belongs to (primary or one of its replicas). */
function authForAddress(local: LocalMasterOptions, state: AgentState, target: Address): RedisAuth {
  const name = masterOfAddress(state, target);
  if (name === null) return {};
  const { auth_user, auth_pass } = local.get(name);
  return {
    ...(auth_user === null ? {} : { username: auth_user }),
    ...(auth_pass === null ? {} : { password: auth_pass }),
  };
}
