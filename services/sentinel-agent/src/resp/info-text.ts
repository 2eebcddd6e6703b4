// INFO's text as Redis Sentinel 7.0 writes it: sections `# Server`, `# Clients`, `# Stats`,
// `# CPU`, `# Sentinel` (in that order), `key:value` lines, CRLF line ends, one empty line
// between sections. The field names are Redis's so monitoring tools parse them; fields that have
// no meaning here (keyspace, forks, defrag...) are present with 0 so the key set matches.
import { arch, release, type } from "node:os";
import type { MasterView, SentinelStatusView } from "./view.js";

/** Counters and identity the server keeps about itself. */
export interface ServerFacts {
  readonly redis_version: string;
  readonly run_id: string;
  readonly tcp_port: number;
  readonly config_file: string;
  readonly started_ms: number;
  readonly now_ms: number;
  readonly connected_clients: number;
  readonly maxclients: number;
  readonly total_connections_received: number;
  readonly total_commands_processed: number;
  readonly total_net_input_bytes: number;
  readonly total_net_output_bytes: number;
  readonly rejected_connections: number;
  readonly pubsub_channels: number;
  readonly pubsub_patterns: number;
  readonly total_error_replies: number;
}

type Lines = readonly (readonly [string, string | number])[];

const ZERO_STATS = ["total_net_repl_input_bytes", "total_net_repl_output_bytes"] as const;
const ZERO_STATS_AFTER_KBPS = ["sync_full", "sync_partial_ok", "sync_partial_err", "expired_keys"] as const;
const ZERO_STATS_TAIL = [
  "expired_time_cap_reached_count",
  "expire_cycle_cpu_milliseconds",
  "evicted_keys",
  "evicted_clients",
  "total_eviction_exceeded_time",
  "current_eviction_exceeded_time",
  "keyspace_hits",
  "keyspace_misses",
] as const;
const ZERO_STATS_AFTER_PUBSUB = [
  "pubsubshard_channels",
  "latest_fork_usec",
  "total_forks",
  "migrate_cached_sockets",
  "slave_expires_tracked_keys",
  "active_defrag_hits",
  "active_defrag_misses",
  "active_defrag_key_hits",
  "active_defrag_key_misses",
  "total_active_defrag_time",
  "current_active_defrag_time",
  "tracking_total_keys",
  "tracking_total_items",
  "tracking_total_prefixes",
  "unexpected_error_replies",
] as const;

function serverLines(f: ServerFacts): Lines {
  const uptime_s = Math.floor((f.now_ms - f.started_ms) / 1000);
  return [
    ["redis_version", f.redis_version],
    ["redis_git_sha1", "00000000"],
    ["redis_git_dirty", 0],
    ["redis_build_id", "0"],
    ["redis_mode", "sentinel"],
    ["os", `${type()} ${release()} ${arch()}`],
    ["arch_bits", 64],
    ["monotonic_clock", "node"],
    ["multiplexing_api", "libuv"],
    ["atomicvar_api", "node"],
    ["gcc_version", "0.0.0"],
    ["process_id", process.pid],
    ["process_supervised", "no"],
    ["run_id", f.run_id],
    ["tcp_port", f.tcp_port],
    ["server_time_usec", f.now_ms * 1000],
    ["uptime_in_seconds", uptime_s],
    ["uptime_in_days", Math.floor(uptime_s / 86400)],
    ["hz", 10],
    ["configured_hz", 10],
    ["lru_clock", Math.floor(f.now_ms / 1000) % 16777216],
    ["executable", process.execPath],
    ["config_file", f.config_file],
    ["io_threads_active", 0],
  ];
}

function clientsLines(f: ServerFacts): Lines {
  return [
    ["connected_clients", f.connected_clients],
    ["cluster_connections", 0],
    ["maxclients", f.maxclients],
    ["client_recent_max_input_buffer", 0],
    ["client_recent_max_output_buffer", 0],
    ["blocked_clients", 0],
    ["tracking_clients", 0],
    ["clients_in_timeout_table", 0],
  ];
}

function statsLines(f: ServerFacts): Lines {
  const zeros = (names: readonly string[]): [string, number][] => names.map((name) => [name, 0]);
  return [
    ["total_connections_received", f.total_connections_received],
    ["total_commands_processed", f.total_commands_processed],
    ["instantaneous_ops_per_sec", 0],
    ["total_net_input_bytes", f.total_net_input_bytes],
    ["total_net_output_bytes", f.total_net_output_bytes],
    ...zeros(ZERO_STATS),
    ["instantaneous_input_kbps", "0.00"],
    ["instantaneous_output_kbps", "0.00"],
    ["instantaneous_input_repl_kbps", "0.00"],
    ["instantaneous_output_repl_kbps", "0.00"],
    ["rejected_connections", f.rejected_connections],
    ...zeros(ZERO_STATS_AFTER_KBPS),
    ["expired_stale_perc", "0.00"],
    ...zeros(ZERO_STATS_TAIL),
    ["pubsub_channels", f.pubsub_channels],
    ["pubsub_patterns", f.pubsub_patterns],
    ...zeros(ZERO_STATS_AFTER_PUBSUB),
    ["total_error_replies", f.total_error_replies],
    ["dump_payload_sanitizations", 0],
    ["total_reads_processed", 0],
    ["total_writes_processed", 0],
    ["io_threaded_reads_processed", 0],
    ["io_threaded_writes_processed", 0],
    ["reply_buffer_shrinks", 0],
    ["reply_buffer_expands", 0],
  ];
}

function cpuLines(): Lines {
  const usage = process.cpuUsage();
  const sys = (usage.system / 1e6).toFixed(6);
  const user = (usage.user / 1e6).toFixed(6);
  return [
    ["used_cpu_sys", sys],
    ["used_cpu_user", user],
    ["used_cpu_sys_children", "0.000000"],
    ["used_cpu_user_children", "0.000000"],
    ["used_cpu_sys_main_thread", sys],
    ["used_cpu_user_main_thread", user],
  ];
}

/** `master0:name=mymaster,status=ok,address=127.0.0.1:6379,slaves=2,sentinels=3`. */
export function masterInfoLine(index: number, master: MasterView): string {
  const status = master.flags.includes("o_down") ? "odown" : master.flags.includes("s_down") ? "sdown" : "ok";
  return (
    `master${index}:name=${master.name},status=${status},address=${master.ip}:${master.port},` +
    `slaves=${master.num_slaves},sentinels=${master.num_other_sentinels + 1}`
  );
}

function sentinelSection(status: SentinelStatusView, masters: readonly MasterView[]): string {
  const lines = [
    "# Sentinel",
    `sentinel_masters:${masters.length}`,
    `sentinel_tilt:${status.tilt ? 1 : 0}`,
    `sentinel_tilt_since_seconds:${status.tilt ? Math.max(0, Math.trunc(status.tilt_since_s)) : -1}`,
    `sentinel_running_scripts:${status.running_scripts}`,
    `sentinel_scripts_queue_length:${status.scripts_queue_length}`,
    `sentinel_simulate_failure_flags:${status.simulate_failure_flags}`,
    ...masters.map((master, index) => masterInfoLine(index, master)),
  ];
  return `${lines.join("\r\n")}\r\n`;
}

function section(title: string, lines: Lines): string {
  return `# ${title}\r\n${lines.map(([key, value]) => `${key}:${value}\r\n`).join("")}`;
}

const SECTION_ORDER = ["server", "clients", "stats", "cpu", "sentinel"] as const;
type SectionName = (typeof SECTION_ORDER)[number];

/**
 * The INFO text for the requested section names (none, `default`, `all` or `everything`: all
 * five). Unknown names select nothing, as in Redis (an empty bulk string).
 */
export function infoText(
  requested: readonly string[],
  facts: ServerFacts,
  status: SentinelStatusView,
  masters: readonly MasterView[],
): string {
  const wanted = new Set<SectionName>();
  const words = requested.map((word) => word.toLowerCase());
  for (const word of words.length === 0 ? ["default"] : words) {
    if (word === "default" || word === "all" || word === "everything") {
      for (const name of SECTION_ORDER) wanted.add(name);
    } else {
      const name = SECTION_ORDER.find((known) => known === word);
      if (name !== undefined) wanted.add(name);
    }
  }
  const parts: string[] = [];
  for (const name of SECTION_ORDER) {
    if (!wanted.has(name)) continue;
    if (name === "server") parts.push(section("Server", serverLines(facts)));
    if (name === "clients") parts.push(section("Clients", clientsLines(facts)));
    if (name === "stats") parts.push(section("Stats", statsLines(facts)));
    if (name === "cpu") parts.push(section("CPU", cpuLines()));
    if (name === "sentinel") parts.push(sentinelSection(status, masters));
  }
  return parts.join("\r\n");
}
