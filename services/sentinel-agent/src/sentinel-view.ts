// The Sentinel protocol's view of this agent, read from the core's state (Sentinel's field names
// and units), and its admin operations, which go through the loop like every other admin input:
// validated by the core, persisted, propagated to the other agents.
import { announcedHost } from "./announced-host.js";
import { isIP } from "node:net";
import { FAILOVER_BLOCK_PERIOD_MS_DEFAULT, FAILOVER_STATES, isAnswering } from "@sentinel-plane/core";
import type {
  Address,
  AgentState,
  MasterState,
  InstanceLink,
  MasterSettings,
  PeerAgent,
  RedisInfo,
} from "@sentinel-plane/core";
import type { HookRunner } from "@sentinel-plane/hooks";
import type { AdminReply, AgentLoop } from "@sentinel-plane/agent-shell";
import type { EventHub } from "./event-hub.js";
import type { SentinelConfig } from "./config/index.js";
import { RUNTIME_PARAMS } from "./config/global-params.js";
import { tlsReloadParam } from "./tls-reload.js";
import type { TlsReloadParam } from "./tls-reload.js";
import type { RuntimeParam } from "./config/global-params.js";
import type { LocalMasterOptions, LocalSetOption, MasterLocalOptions } from "./local-master-options.js";
import { peerPortDown } from "./peer-port-watch.js";
import type { PeerPortRecord } from "./peer-port-watch.js";
import type {
  AdminResult,
  EventListener,
  InfoCacheView,
  InstanceFlag,
  IsMasterDownAnswer,
  MasterSetOption,
  MasterView,
  PendingScriptView,
  QuorumCheck,
  ReplicaView,
  SentinelPeerView,
  SentinelStatusView,
  SentinelView,
  SimulatedFailure,
} from "./resp/index.js";

export interface ViewSources {
  readonly loop: AgentLoop;
  readonly events: EventHub;
  readonly hooks: HookRunner;
  readonly config: () => SentinelConfig;
  /** Scripts and credentials of each master on this agent (SENTINEL SET, never propagated). */
  readonly local: LocalMasterOptions;
  /** Called after auth-user/auth-pass changed: links to the master's instances reconnect. */
  readonly on_auth_changed: (name: string) => void;
  readonly flushConfig: () => Promise<void>;
  /**
   * `SENTINEL CONFIG SET`, validated: applied to the config written back to the file, then the
   * file is rewritten (Sentinel's CONFIG SET rewrites it too; a restart keeps the value).
   */
  readonly persistGlobal: (param: RuntimeParam, value: string) => Promise<void>;
  readonly simulate: (failures: readonly SimulatedFailure[]) => void;
  readonly simulate_flags: () => number;
  /** The IP address a hostname reached on the probe links (announce-hostnames no), if any. */
  readonly resolved_ip?: (host: string) => string | null;
  /**
   * `SENTINEL CONFIG SET tls-cert-file|tls-key-file|...`: read every TLS file again with the
   * change, serve the new certificate (tls-reload.ts); absent: refused as Sentinel does.
   */
  readonly reloadTls?: (param: TlsReloadParam, value: string) => Promise<AdminResult>;
  /**
   * The link to a peer's Sentinel port (peer-port-watch.ts); absent (tests' views), the peers are
   * judged by their hellos alone.
   */
  readonly peer_port?: (address: Address) => PeerPortRecord | undefined;
}

function age(now_ms: number, at_ms: number | null): number {
  return at_ms === null || !Number.isFinite(at_ms) ? 0 : Math.max(0, Math.round(now_ms - at_ms));
}

function baseFlags(state: AgentState, master: MasterState, link: InstanceLink): InstanceFlag[] {
  const flags: InstanceFlag[] = [];
  if (link.sdown) flags.push("s_down");
  if (!isAnswering(state, master, link)) flags.push("disconnected");
  return flags;
}

function instance(state: AgentState, master: MasterState, link: InstanceLink, name: string) {
  const now = state.now_ms;
  return {
    name,
    ip: link.address.host,
    port: link.address.port,
    runid: link.run_id ?? "",
    link_pending_commands: (link.ping_probe_id === null ? 0 : 1) + (link.info_probe_id === null ? 0 : 1),
    link_refcount: 1,
    last_ping_sent_ms: link.unanswered_since_ms === null ? 0 : age(now, link.unanswered_since_ms),
    last_ok_ping_reply_ms: age(now, link.last_avail_ms),
    last_ping_reply_ms: age(now, link.last_reply_ms),
    ...(link.sdown ? { s_down_time_ms: age(now, link.sdown_since_ms) } : {}),
    down_after_ms: master.settings.down_after_ms,
  };
}

export function masterViewOf(state: AgentState, master: MasterState, local: MasterLocalOptions): MasterView {
  const now = state.now_ms;
  const link = master.link;
  const flags: InstanceFlag[] = ["master", ...baseFlags(state, master, link)];
  if (master.odown) flags.splice(flags.indexOf("master") + 1, 0, "o_down");
  if (master.failover !== null) flags.push("failover_in_progress");
  // Sentinel's name of the state (the core's table: ours fold into the nearest of Sentinel's).
  const failover_state = master.failover === null ? undefined : FAILOVER_STATES[master.failover.state].resp;
  return {
    ...instance(state, master, link, master.name),
    ip: master.address.host,
    port: master.address.port,
    flags,
    ...(master.odown ? { o_down_time_ms: age(now, master.odown_since_ms) } : {}),
    ...(failover_state === undefined ? {} : { failover_state }),
    info_refresh_ms: link.info_ms === null ? now : age(now, link.info_ms),
    role_reported: link.role_reported ?? "master",
    role_reported_time_ms: age(now, link.role_reported_ms),
    config_epoch: master.config_epoch,
    num_slaves: master.replicas.size,
    num_other_sentinels: master.agents.size,
    quorum: master.settings.quorum,
    failover_timeout_ms: master.settings.failover_timeout_ms,
    parallel_syncs: master.settings.parallel_syncs,
    ...(local.notification_script === null ? {} : { notification_script: local.notification_script }),
    ...(local.client_reconfig_script === null
      ? {}
      : { client_reconfig_script: local.client_reconfig_script }),
  };
}

function replicaViewOf(state: AgentState, master: MasterState, link: InstanceLink): ReplicaView {
  const now = state.now_ms;
  const info: RedisInfo | null = link.info;
  const flags: InstanceFlag[] = ["slave", ...baseFlags(state, master, link)];
  const selected = master.failover?.selected;
  if (
    selected !== null &&
    selected !== undefined &&
    selected.host === link.address.host &&
    selected.port === link.address.port
  ) {
    flags.push("promoted");
  }
  if (link.reconf === "sent") flags.push("reconf_sent");
  if (link.reconf === "inprog") flags.push("reconf_inprog");
  if (link.reconf === "done") flags.push("reconf_done");
  const down_s = info?.master_link_down_since_s ?? -1;
  return {
    ...instance(state, master, link, `${link.address.host}:${link.address.port}`),
    flags,
    info_refresh_ms: link.info_ms === null ? now : age(now, link.info_ms),
    role_reported: link.role_reported ?? "slave",
    role_reported_time_ms: age(now, link.role_reported_ms),
    master_link_down_time_ms: down_s > 0 ? down_s * 1000 : 0,
    master_link_status: info?.master_link_status === "up" ? "ok" : "err",
    master_host: info?.master_host ?? "?",
    master_port: info?.master_port ?? 0,
    slave_priority: info?.replica_priority ?? 100,
    slave_repl_offset: info?.slave_repl_offset ?? 0,
    replica_announced: info?.replica_announced ?? true,
  };
}

type PeerPort = (address: Address) => PeerPortRecord | undefined;

/**
 * A peer is usable when it gossips over NATS (hellos) and its Sentinel port answers this agent's
 * PINGs, logged in as sentinel-user (a Sentinel counts the peers it can reach on that port).
 */
function peerDown(state: AgentState, master: MasterState, peer: PeerAgent, port: PeerPort): boolean {
  const hello_age = peer.last_hello_ms === null ? Infinity : state.now_ms - peer.last_hello_ms;
  const stale = hello_age > 3 * state.timing.hello_period_ms + master.settings.down_after_ms;
  return stale || peerPortDown(port(peer.announce), state.now_ms, master.settings.down_after_ms);
}

function peerViews(state: AgentState, master: MasterState, port: PeerPort): SentinelPeerView[] {
  const now = state.now_ms;
  return [...master.agents.values()].map((peer) => {
    const hello_age = peer.last_hello_ms === null ? now : age(now, peer.last_hello_ms);
    const down = peerDown(state, master, peer, port);
    const flags: InstanceFlag[] = ["sentinel", ...(down ? (["s_down", "disconnected"] as const) : [])];
    const link = port(peer.announce);
    return {
      name: peer.id,
      ip: peer.announce.host,
      port: peer.announce.port,
      runid: peer.id,
      flags,
      link_pending_commands: 0,
      link_refcount: 1,
      last_ping_sent_ms: link?.unanswered_since_ms == null ? 0 : age(now, link.unanswered_since_ms),
      last_ok_ping_reply_ms: link?.last_ok_ms == null ? hello_age : age(now, link.last_ok_ms),
      last_ping_reply_ms: link?.last_reply_ms == null ? hello_age : age(now, link.last_reply_ms),
      down_after_ms: master.settings.down_after_ms,
      last_hello_message_ms: hello_age,
      voted_leader: "?",
      voted_leader_epoch: 0,
    };
  });
}

/**
 * Agents heard from recently whose Sentinel port answers, self included, as SENTINEL CKQUORUM
 * counts them (sentinel.c sentinelIsQuorumReachable: every peer not SDOWN).
 */
function usableAgents(state: AgentState, master: MasterState, port: PeerPort): number {
  const fresh_ms = 3 * state.timing.hello_period_ms;
  let usable = 1;
  for (const peer of master.agents.values()) {
    const heard = peer.last_hello_ms !== null && state.now_ms - peer.last_hello_ms <= fresh_ms;
    if (heard && !peerPortDown(port(peer.announce), state.now_ms, master.settings.down_after_ms)) usable++;
  }
  return usable;
}

/** INFO-CACHE: the core keeps parsed INFO; render the replication fields it knows. */
function infoText(info: RedisInfo | null): string | null {
  if (info === null) return null;
  const lines = [
    "# Server",
    `redis_version:${info.redis_version}`,
    `run_id:${info.run_id}`,
    `uptime_in_seconds:${info.uptime_s}`,
  ];
  lines.push("# Replication", `role:${info.role}`);
  if (info.role === "slave") {
    lines.push(
      `master_host:${info.master_host ?? ""}`,
      `master_port:${info.master_port ?? 0}`,
      `master_link_status:${info.master_link_status ?? "down"}`,
      `slave_repl_offset:${info.slave_repl_offset ?? 0}`,
      `slave_priority:${info.replica_priority}`,
    );
  }
  lines.push(`connected_slaves:${info.replicas.length}`);
  info.replicas.forEach((r, i) => {
    lines.push(`slave${i}:ip=${r.host},port=${r.port},state=${r.state},offset=${r.offset},lag=${r.lag_s}`);
  });
  lines.push(`master_replid:${info.replid}`, `master_repl_offset:${info.master_repl_offset}`);
  return `${lines.join("\r\n")}\r\n`;
}

/** The loop's own answers (not the core's Sentinel replies) carry their code to RESP clients. */
const LOOP_CODES: ReadonlySet<string> = new Set([
  "SP_ERR_TIMEOUT",
  "SP_ERR_STATE_PERSIST_FAILED",
  "SP_ERR_BUSY",
  "SP_ERR_STOPPED",
]);

function result(reply: AdminReply): AdminResult {
  if (reply.ok) return { ok: true };
  // The core's refusals are Sentinel's reply lines already; the loop's own get their code first.
  return { ok: false, error: LOOP_CODES.has(reply.code) ? `${reply.code} ${reply.message}` : reply.message };
}

const SET_OPTION: Readonly<Record<string, keyof MasterSettings>> = {
  "down-after-milliseconds": "down_after_ms",
  "failover-timeout": "failover_timeout_ms",
  "parallel-syncs": "parallel_syncs",
  quorum: "quorum",
  "master-reboot-down-after-period": "master_reboot_down_after_period_ms",
  "max-promotion-lag-bytes": "max_promotion_lag_bytes",
  "max-promotion-lag-ms": "max_promotion_lag_ms",
  "failover-block-period": "failover_block_period_ms",
  "forget-after": "forget_after_ms",
};

const LOCAL_OPTIONS: ReadonlySet<string> = new Set<LocalSetOption["option"]>([
  "notification-script",
  "client-reconfig-script",
  "auth-pass",
  "auth-user",
]);

/** Options of this agent alone (local-master-options.ts), not the core's shared settings. */
function isLocalOption(option: MasterSetOption): option is Extract<MasterSetOption, LocalSetOption> {
  return LOCAL_OPTIONS.has(option.option);
}

/** The agent's state as the views read it. */
interface ViewContext {
  readonly sources: ViewSources;
  readonly state: () => AgentState;
  readonly master: (name: string) => MasterState | undefined;
  /** SENTINEL CONFIG SET's runtime parameters, as set since the start. */
  readonly runtime_config: Map<RuntimeParam, string>;
}

export function createSentinelView(sources: ViewSources): SentinelView {
  const state = (): AgentState => sources.loop.state;
  const context: ViewContext = {
    sources,
    state,
    master: (name) => state().masters.get(name),
    runtime_config: new Map<RuntimeParam, string>(),
  };
  return {
    ...instanceViews(context),
    ...statusViews(context),
    ...adminOperations(context),
    ...protocolOperations(context),
  };
}

/** Masters, replicas, agents and quorum, as SENTINEL MASTERS / REPLICAS / SENTINELS / CKQUORUM show them. */
function instanceViews({
  sources,
  state,
  master,
  runtime_config,
}: ViewContext): Pick<
  SentinelView,
  "myid" | "masters" | "master" | "replicas" | "sentinels" | "masterAddress" | "ckquorum"
> {
  const peerPort: PeerPort = sources.peer_port ?? (() => undefined);
  // announce-hostnames as SENTINEL CONFIG SET left it (at once, as in Sentinel), else the file's.
  const ip = (host: string): string => {
    const set = runtime_config.get("announce-hostnames");
    const announce = set === undefined ? sources.config().announce_hostnames : set === "yes";
    return announcedHost(host, announce, sources.resolved_ip ?? (() => null));
  };
  return {
    myid: () => state().myid,
    masters: () =>
      [...state().masters.values()].map((m) => {
        const view = masterViewOf(state(), m, sources.local.get(m.name));
        return { ...view, ip: ip(view.ip) };
      }),
    master: (name) => {
      const m = master(name);
      if (m === undefined) return undefined;
      const view = masterViewOf(state(), m, sources.local.get(name));
      return { ...view, ip: ip(view.ip) };
    },
    replicas: (name) => {
      const m = master(name);
      if (m === undefined) return undefined;
      return [...m.replicas.values()].map((l) => {
        const view = replicaViewOf(state(), m, l);
        return { ...view, ip: ip(view.ip) };
      });
    },
    sentinels: (name) => {
      const m = master(name);
      return m === undefined ? undefined : peerViews(state(), m, peerPort);
    },
    masterAddress: (name) => {
      const m = master(name);
      return m === undefined ? undefined : { ip: ip(m.address.host), port: m.address.port };
    },
    ckquorum: (name): QuorumCheck | undefined => {
      const m = master(name);
      if (m === undefined) return undefined;
      const usable = usableAgents(state(), m, peerPort);
      return {
        usable,
        quorum_reachable: usable >= m.settings.quorum,
        majority_reachable: usable >= Math.floor((m.agents.size + 1) / 2) + 1,
      };
    },
  };
}

/** SENTINEL INFO-CACHE, PENDING-SCRIPTS, CONFIG GET, IS-MASTER-DOWN-BY-ADDR and the status fields. */
function statusViews({
  sources,
  state,
  runtime_config,
}: ViewContext): Pick<
  SentinelView,
  "status" | "pendingScripts" | "infoCache" | "configGet" | "isMasterDownByAddr"
> {
  return {
    status: (): SentinelStatusView => {
      const s = state();
      const counters = sources.hooks.counters();
      return {
        tilt: s.tilt,
        tilt_since_s: s.tilt ? Math.floor((s.now_ms - s.tilt_since_ms) / 1000) : -1,
        running_scripts: counters.running_scripts,
        scripts_queue_length: counters.scripts_queue_length,
        simulate_failure_flags: sources.simulate_flags(),
      };
    },
    pendingScripts: (): PendingScriptView[] =>
      sources.hooks.pendingScripts().map((p) => ({
        argv: p.argv,
        running: p.flags === "running",
        pid: p.pid,
        run_time_ms: "run_time_ms" in p ? p.run_time_ms : 0,
        run_delay_ms: "run_delay_ms" in p ? p.run_delay_ms : 0,
        retry_num: p.retry_num,
      })),
    infoCache: (names): InfoCacheView[] => {
      const s = state();
      return [...s.masters.values()]
        .filter((m) => names === null || names.includes(m.name))
        .map((m) => ({
          name: m.name,
          entries: [m.link, ...m.replicas.values()].map((l) => ({
            info_age_ms: l.info_ms === null ? s.now_ms : age(s.now_ms, l.info_ms),
            info: infoText(l.info),
          })),
        }));
    },
    configGet: () => {
      const c = sources.config();
      const value = (name: RuntimeParam, fallback: string): string => runtime_config.get(name) ?? fallback;
      return [
        ["resolve-hostnames", value("resolve-hostnames", c.resolve_hostnames ? "yes" : "no")],
        ["announce-hostnames", value("announce-hostnames", c.announce_hostnames ? "yes" : "no")],
        ["announce-ip", value("announce-ip", c.announce_ip ?? "")],
        ["announce-port", value("announce-port", String(c.announce_port ?? 0))],
        ["sentinel-user", value("sentinel-user", c.sentinel_user ?? "")],
        ["sentinel-pass", value("sentinel-pass", c.sentinel_pass ?? "")],
      ];
    },
    // Our agents vote over NATS; this answers the down state for tools that ask, and never
    // grants a vote to a Redis Sentinel (the two election protocols must not mix).
    isMasterDownByAddr: (ip, port): Promise<IsMasterDownAnswer> => {
      const m = [...state().masters.values()].find((x) => x.address.host === ip && x.address.port === port);
      return Promise.resolve({ down: m?.link.sdown ?? false, leader: "*", leader_epoch: 0 });
    },
  };
}

/** MONITOR, REMOVE, SET, RESET, FAILOVER and the operator's controls: through the loop, as every admin input. */
function adminOperations(
  context: ViewContext,
): Pick<SentinelView, "monitor" | "remove" | "set" | "reset" | "failover" | "operator"> {
  const { sources, state } = context;
  const { loop } = sources;
  return {
    monitor: (name, ip, port, quorum) => monitorMaster(context, name, ip, port, quorum),
    remove: async (name) => result(await loop.admin({ type: "remove", name })),
    set: (name, options) => setOptions(context, name, options),
    reset: async (pattern) => {
      const reply = await loop.admin({ type: "reset", pattern });
      return reply.ok ? Number(reply.message) || 0 : 0;
    },
    failover: async (name) => result(await loop.admin({ type: "failover", name })),
    operator: async (request) => {
      // `*`: every master monitored now, one after the other; the first refusal is the answer.
      const names = request.name === "*" ? [...state().masters.keys()] : [request.name];
      for (const name of names) {
        const reply = await loop.admin(
          request.kind === "pause"
            ? { type: "pause", name, duration_ms: request.duration_ms, by: request.by }
            : { type: request.kind === "resume" ? "resume" : "ack_failover", name, by: request.by },
        );
        if (!reply.ok) return result(reply);
      }
      return { ok: true };
    },
  };
}

/** SENTINEL MONITOR: Sentinel's defaults, with the election settings of a master already monitored. */
async function monitorMaster(
  { sources, state, runtime_config }: ViewContext,
  name: string,
  ip: string,
  port: number,
  quorum: number,
): Promise<AdminResult> {
  // As Sentinel (and our config loader): a hostname only with resolve-hostnames yes, else a
  // master monitored now would make the next start refuse the rewritten file.
  const resolve_hostnames =
    (runtime_config.get("resolve-hostnames") ?? (sources.config().resolve_hostnames ? "yes" : "no")) ===
    "yes";
  if (!resolve_hostnames && isIP(ip) === 0) {
    return { ok: false, error: "ERR Invalid IP address or hostname specified" };
  }
  const defaults = [...state().masters.values()][0]?.settings;
  const settings: MasterSettings = {
    quorum,
    down_after_ms: 30_000,
    failover_timeout_ms: 180_000,
    parallel_syncs: 1,
    master_reboot_down_after_period_ms: 0,
    election_timeout_ms: defaults?.election_timeout_ms ?? 250,
    failover_block_period_ms: defaults?.failover_block_period_ms ?? FAILOVER_BLOCK_PERIOD_MS_DEFAULT,
  };
  return result(await sources.loop.admin({ type: "monitor", name, address: { host: ip, port }, settings }));
}

/**
 * SENTINEL SET: shared settings through the loop (every agent), local options (scripts, auth) and
 * renamed commands on this agent only.
 */
async function setOptions(
  { sources }: ViewContext,
  name: string,
  options: readonly MasterSetOption[],
): Promise<AdminResult> {
  const settings: Partial<Record<keyof MasterSettings, number>> = {};
  const local: LocalSetOption[] = [];
  const renames: Extract<MasterSetOption, { option: "rename-command" }>[] = [];
  for (const option of options) {
    if (option.option === "rename-command") {
      renames.push(option);
      continue;
    }
    if (isLocalOption(option)) {
      local.push(option);
      continue;
    }
    const key = SET_OPTION[option.option];
    if (key === undefined) {
      return {
        ok: false,
        error: `ERR SENTINEL SET ${option.option} is not supported by sentinel-plane yet`,
      };
    }
    settings[key] = option.value;
  }
  // Local options are checked before the shared settings go out, so a refused script path
  // leaves both unchanged.
  const checked = sources.local.check(local);
  if (!checked.ok) return checked;
  if (Object.keys(settings).length > 0) {
    const shared = result(await sources.loop.admin({ type: "set", name, settings }));
    if (!shared.ok) return shared;
  }
  if (local.length > 0) {
    const applied = sources.local.set(name, local);
    if (!applied.ok) return applied;
    if (local.some((o) => o.option === "auth-pass" || o.option === "auth-user"))
      sources.on_auth_changed(name);
  }
  // Per agent, as each Sentinel keeps its own; the probes use the new names at once.
  for (const r of renames) sources.local.renameCommand(name, r.from, r.to);
  return { ok: true };
}

/** FLUSHCONFIG, CONFIG SET, SIMULATE-FAILURE and the event subscription. */
function protocolOperations({
  sources,
  runtime_config,
}: ViewContext): Pick<SentinelView, "flushconfig" | "configSet" | "simulateFailure" | "subscribe"> {
  return {
    flushconfig: async () => {
      try {
        await sources.flushConfig();
        return { ok: true };
      } catch (error) {
        return { ok: false, error: `ERR Failed to save config: ${String(error)}` };
      }
    },
    // Accepted, reported back and written to the file as Redis Sentinel does; announce-* take
    // effect at the next restart here (the core announces the address it started with).
    configSet: async (name, value) => {
      const tls_param = tlsReloadParam(name);
      if (tls_param !== null && sources.reloadTls !== undefined) return sources.reloadTls(tls_param, value);
      const param = RUNTIME_PARAMS.find((p) => p === name.toLowerCase());
      const invalid = (what: string): AdminResult => ({
        ok: false,
        error: `ERR Invalid argument '${what}' to SENTINEL CONFIG SET`,
      });
      if (param === undefined) return invalid(name);
      const yes_no = param === "resolve-hostnames" || param === "announce-hostnames";
      if (yes_no && value !== "yes" && value !== "no") return invalid(value);
      if (param === "announce-port" && !/^\d+$/.test(value)) return invalid(value);
      runtime_config.set(param, value);
      try {
        await sources.persistGlobal(param, value);
        return { ok: true };
      } catch {
        return { ok: false, error: "ERR Failed to save config file. Check server logs." };
      }
    },
    simulateFailure: (failures) => {
      sources.simulate(failures);
      return Promise.resolve({ ok: true });
    },
    subscribe: (listener: EventListener) => {
      const unsubscribe = sources.events.subscribe((e) => {
        listener({ channel: e.name, payload: e.text });
      });
      return unsubscribe ?? (() => undefined);
    },
  };
}
