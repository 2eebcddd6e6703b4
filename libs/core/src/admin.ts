// Admin commands: SENTINEL MONITOR / REMOVE / SET / RESET / FAILOVER (from RESP, REST, or a peer).
// Local changes are persisted and propagated to peers as `admin` messages; a receiver applies
// them without replying or re-broadcasting. Invalid input gets a coded error, never a throw.
// Error codes and texts are Sentinel's (`ERR No such master with that name`, `INPROG ...`,
// `NOGOODSLAVE ...`).
import { startElection } from "./election.js";
import { globMatch } from "./glob.js";
import { sendNodeCommand } from "./commands.js";
import { masterSubject, slaveSubject } from "./out.js";
import type { Out } from "./out.js";
import { admitsPromotion, lagArgs } from "./promotion-limit.js";
import { PROMOTION_LAG_MAX } from "./promotion-limit.js";
import { isPromotable, replicasAwaitingFirstInfo, replicatesFrom, selectReplica } from "./selection.js";
import { primaryReachable } from "./switchover.js";
import { FAILOVER_BLOCK_PERIOD_MS_MAX } from "./maintenance.js";
import { addressKey, newLink } from "./state.js";
import type { InstanceLink, MasterState } from "./state.js";
import type { ErrorCode } from "@sentinel-plane/protocol";
import type { Address, AdminCommand, AdminError, MasterSettings } from "./types.js";

export interface AdminOutcome {
  readonly ok: boolean;
  /** A refusal's first word in RESP (Sentinel's `ERR`, `INPROG`, `NOGOODSLAVE`, or our code). */
  readonly code?: string;
  /** Sentinel's reply line (RESP), or the success text. */
  readonly message: string;
  /** Set on every refusal: the registry code and the text REST's problem is made of. */
  readonly error?: AdminError;
}

const OK: AdminOutcome = { ok: true, message: "OK" };

/** A refusal: Sentinel's reply line (`prefix` first) for RESP, the registry `code` for REST. */
function fail(prefix: "ERR" | "INPROG" | "NOGOODSLAVE", code: ErrorCode, text: string): AdminOutcome {
  return { ok: false, code: prefix, message: `${prefix} ${text}`, error: { code, detail: text } };
}

const NO_SUCH_MASTER = (): AdminOutcome =>
  fail("ERR", "SP_ERR_UNKNOWN_MASTER", "No such master with that name");

/** sentinel.conf option names, for `+set` events. */
const OPTION_NAMES: Record<keyof MasterSettings, string> = {
  quorum: "quorum",
  down_after_ms: "down-after-milliseconds",
  failover_timeout_ms: "failover-timeout",
  parallel_syncs: "parallel-syncs",
  master_reboot_down_after_period_ms: "master-reboot-down-after-period",
  election_timeout_ms: "election-timeout",
  max_promotion_lag_bytes: "max-promotion-lag-bytes",
  max_promotion_lag_ms: "max-promotion-lag-ms",
  failover_block_period_ms: "failover-block-period",
  forget_after_ms: "forget-after",
};

/** Settings where 0 means "off". */
const ZERO_ALLOWED: ReadonlySet<keyof MasterSettings> = new Set([
  "master_reboot_down_after_period_ms",
  "max_promotion_lag_bytes",
  "max_promotion_lag_ms",
  "failover_block_period_ms",
  "forget_after_ms",
]);

/** A reason why the setting is invalid, or null. */
export function invalidSetting(key: keyof MasterSettings, value: number): string | null {
  if (!Number.isSafeInteger(value)) return `${OPTION_NAMES[key]} must be an integer`;
  const minimum = ZERO_ALLOWED.has(key) ? 0 : 1;
  if (value < minimum) return `${OPTION_NAMES[key]} must be >= ${minimum}`;
  if (key === "failover_block_period_ms" && value > FAILOVER_BLOCK_PERIOD_MS_MAX)
    return `${OPTION_NAMES[key]} must be <= ${FAILOVER_BLOCK_PERIOD_MS_MAX} (7 days)`;
  if (value > PROMOTION_LAG_MAX) return `${OPTION_NAMES[key]} must be <= ${PROMOTION_LAG_MAX}`;
  return null;
}

function invalidAddress(address: Address): string | null {
  if (address.host === "" || /\s/.test(address.host)) return "Invalid IP address or hostname";
  if (!Number.isInteger(address.port) || address.port <= 0 || address.port > 65535) return "Invalid port";
  return null;
}

/** Applies an admin command; `from_peer` means: propagated, so do not re-broadcast. */
export function applyAdmin(out: Out, command: AdminCommand, from_peer: boolean): AdminOutcome {
  switch (command.type) {
    case "monitor":
      return monitor(out, command.name, command.address, command.settings, from_peer);
    case "remove":
      return remove(out, command.name, from_peer);
    case "set":
      return set(out, command.name, command.settings, from_peer);
    case "reset":
      return reset(out, command.pattern, from_peer);
    case "failover":
      return from_peer
        ? fail("ERR", "SP_ERR_ADMIN_REFUSED", "failover is not propagated")
        : failover(out, command.name, command.to ?? null, command.force === true);
    case "pause":
    case "resume":
    case "ack_failover":
      // Committed in the topology record (maintenance.ts, via agent.ts), never a peer message.
      return fail("ERR", "SP_ERR_ADMIN_REFUSED", `${command.type} goes through the committed record`);
  }
}

function propagate(out: Out, command: AdminCommand, from_peer: boolean): void {
  if (from_peer) return;
  out.send("all", { type: "admin", from: out.state.myid, command });
}

export function createMaster(
  name: string,
  address: Address,
  settings: MasterSettings,
  now_ms: number,
): MasterState {
  return {
    name,
    address,
    settings,
    pre_promote: null,
    config_epoch: 0,
    leader: null,
    leader_epoch: 0,
    vote_ms: now_ms,
    last_grant_ms: null,
    config_epoch_learned_ms: now_ms,
    promote_grant: null,
    link: newLink(address, now_ms),
    replicas: new Map(),
    agents: new Map(),
    odown: false,
    odown_since_ms: 0,
    odown_start_after_ms: 0,
    last_hello_ms: Number.NEGATIVE_INFINITY,
    last_opinion_ms: Number.NEGATIVE_INFINITY,
    topology_revision: 0,
    bootstrap_commit_ms: null,
    failover: null,
    failover_retry_after_ms: now_ms,
    watch_leader: null,
    conflict_start_after_ms: null,
    unfence: null,
    primary_offsets: null,
    operator: {
      pause: null,
      pause_reported: false,
      auto_failover_unix_ms: null,
      ack: null,
      blocked_reported: null,
    },
  };
}

export function validateMonitor(name: string, address: Address, settings: MasterSettings): string | null {
  if (name === "" || /\s/.test(name)) return "Invalid master name";
  const bad_address = invalidAddress(address);
  if (bad_address !== null) return bad_address;
  for (const key of Object.keys(OPTION_NAMES) as (keyof MasterSettings)[]) {
    const value = settings[key];
    if (value === undefined) continue; // an optional setting left out
    const reason = invalidSetting(key, value);
    if (reason !== null) return reason;
  }
  return null;
}

function monitor(
  out: Out,
  name: string,
  address: Address,
  settings: MasterSettings,
  from_peer: boolean,
): AdminOutcome {
  const reason = validateMonitor(name, address, settings);
  if (reason !== null) return fail("ERR", "SP_ERR_ADMIN_REFUSED", reason);
  const state = out.state;
  const existing = state.masters.get(name);
  if (existing !== undefined) return sameMonitor(existing, address, settings.quorum);
  const master = createMaster(name, { ...address }, { ...settings }, state.now_ms);
  state.masters.set(name, master);
  out.markDirty();
  out.event("+monitor", master, masterSubject(master), [settings.quorum]);
  propagate(out, { type: "monitor", name, address, settings }, from_peer);
  return OK;
}

/**
 * MONITOR of a name already monitored. Redis's docs have operators send the same MONITOR to every
 * Sentinel in turn; here the first one already reached the other agents, so the same master at
 * the same address with the same quorum is a success that changes nothing (the other settings
 * keep their values, as after Sentinel's MONITOR + SET). Anything else is Sentinel's error.
 */
function sameMonitor(master: MasterState, address: Address, quorum: number): AdminOutcome {
  const same =
    master.address.host === address.host &&
    master.address.port === address.port &&
    master.settings.quorum === quorum;
  return same ? OK : fail("ERR", "SP_ERR_MASTER_EXISTS", "Duplicate master name.");
}

function remove(out: Out, name: string, from_peer: boolean): AdminOutcome {
  const master = out.state.masters.get(name);
  if (master === undefined) return NO_SUCH_MASTER();
  out.state.masters.delete(name);
  out.markDirty();
  out.event("-monitor", master, masterSubject(master));
  propagate(out, { type: "remove", name }, from_peer);
  // The record would outlive the master: a later MONITOR of the same name (another primary, as
  // Redis's test suite does between files) would adopt its primary and epoch. Peers ask too (a
  // propagated REMOVE), so the record goes even if this agent dies now; the delete is
  // conditional on the revision, so repeats and late arrivals are harmless.
  if (master.topology_revision > 0) {
    out.push({ type: "forget_topology", master_name: name, expected_revision: master.topology_revision });
  }
  releaseReplicaFences(out, master);
  return OK;
}

/**
 * A removed master's replicas get back the writes a fence took from them, when the agents fenced
 * them directly (no data-node reports them; the direct `unfence` lifts only the fence marker,
 * never an operator's own min-replicas-to-write). An old primary fenced by a switchover keeps the
 * fence once made a replica, so that a promotion outside the control plane takes no write while
 * the agents may fail over; after the REMOVE nobody else would ever lift it, and the instance
 * handed back to the operator (Redis's test suite promotes it with REPLICAOF NO ONE and writes)
 * answered NOREPLICAS for good.
 * Why this keeps "a primary nobody vouches for takes no write while a failover could happen":
 * - REMOVE reaches every agent (propagate above); an agent that applied it starts no failover of
 *   this master, and one racing it that promotes a replica lifts that replica's fence anyway.
 * - Only instances that are replicas when the lift runs: a replica takes no write (replica-read-only) until
 *   someone promotes it, and after the REMOVE that someone is the operator Sentinel's REMOVE hands
 *   the instances back to. The primary keeps any fence: fenced at REMOVE time, it may be mid-
 *   switchover at an agent that has not applied the REMOVE yet, whose promotion would lose the
 *   writes taken meanwhile.
 * - A data-node owns its server's fence and lifts it on its lease rules; no agent leases a removed
 *   master's primary, so a data-node's fence is left to it.
 */
function releaseReplicaFences(out: Out, master: MasterState): void {
  for (const link of master.replicas.values()) {
    if (link.report_seq >= 0) continue;
    // The server's own ROLE decides when the lift runs (`replica_only`), not our last INFO: the
    // old primary demoted a moment ago still shows role master in it (replicas are probed every
    // 10 s; Redis's test suite removed such a master 8 s after its failover).
    const command = { type: "unfence", replica_only: true } as const;
    sendNodeCommand(out, master, link.address, master.config_epoch, command, "fix");
    out.event("+unfence-slave", master, slaveSubject(master, link.address));
  }
}

function set(out: Out, name: string, changes: Partial<MasterSettings>, from_peer: boolean): AdminOutcome {
  const master = out.state.masters.get(name);
  if (master === undefined) return NO_SUCH_MASTER();
  const keys = (Object.keys(changes) as (keyof MasterSettings)[]).filter((k) => k in OPTION_NAMES);
  if (keys.length === 0) return fail("ERR", "SP_ERR_ADMIN_REFUSED", "No option to set");
  for (const key of keys) {
    const value = changes[key];
    if (value === undefined)
      return fail("ERR", "SP_ERR_ADMIN_REFUSED", `Missing value for ${OPTION_NAMES[key]}`);
    const reason = invalidSetting(key, value);
    if (reason !== null)
      return fail(
        "ERR",
        "SP_ERR_ADMIN_REFUSED",
        `Invalid argument '${value}' for SENTINEL SET '${OPTION_NAMES[key]}': ${reason}`,
      );
  }
  const settings = { ...master.settings };
  for (const key of keys) {
    const value = changes[key];
    if (value === undefined) continue;
    settings[key] = value;
    out.event("+set", master, masterSubject(master), [OPTION_NAMES[key], value]);
  }
  master.settings = settings;
  out.markDirty();
  propagate(out, { type: "set", name, settings: changes }, from_peer);
  return OK;
}

function reset(out: Out, pattern: string, from_peer: boolean): AdminOutcome {
  const state = out.state;
  let count = 0;
  for (const master of state.masters.values()) {
    if (!globMatch(pattern, master.name)) continue;
    count += 1;
    master.replicas.clear();
    master.agents.clear();
    master.failover = null;
    master.odown = false;
    master.watch_leader = null;
    master.conflict_start_after_ms = null;
    master.unfence = null;
    master.link = newLink(master.address, state.now_ms);
    out.event("+reset-master", master, masterSubject(master));
  }
  if (count > 0) out.markDirty();
  propagate(out, { type: "reset", pattern }, from_peer);
  return { ok: true, message: String(count) };
}

function failover(out: Out, name: string, to: Address | null, force: boolean): AdminOutcome {
  const master = out.state.masters.get(name);
  if (master === undefined) return NO_SUCH_MASTER();
  if (master.failover !== null)
    return fail("INPROG", "SP_ERR_FAILOVER_IN_PROGRESS", "Failover already in progress");
  // The primary answers: this is a switchover (switchover.ts), which needs a replica in sync.
  const switchover = primaryReachable(master);
  if (to !== null) {
    const bad_address = invalidAddress(to);
    if (bad_address !== null) return fail("ERR", "SP_ERR_ADMIN_REFUSED", bad_address);
    const link = master.replicas.get(addressKey(to));
    const text = `${to.host}:${to.port}`;
    if (link === undefined)
      return fail("NOGOODSLAVE", "SP_ERR_NO_GOOD_REPLICA", `${text} is not a known replica of ${name}`);
    if (!isPromotable(out.state, master, link)) {
      return fail(
        "NOGOODSLAVE",
        "SP_ERR_NO_GOOD_REPLICA",
        `${text} cannot be promoted (down, disconnected, stale INFO, priority 0 or link down too long)`,
      );
    }
    if (switchover && !replicatesFrom(link, master.address)) {
      return fail(
        "NOGOODSLAVE",
        "SP_ERR_NO_GOOD_REPLICA",
        `${text} is not replicating the primary: it could not catch up`,
      );
    }
    if (!switchover && !force && !admitsPromotion(master, null, link)) {
      return fail(
        "NOGOODSLAVE",
        "SP_ERR_NO_GOOD_REPLICA",
        `${text} is beyond max-promotion-lag (${lagText(master, to)}): use force`,
      );
    }
  } else if (replicasAwaitingFirstInfo(out.state, master).some((link) => link.info_probe_id !== null)) {
    // Replicas discovered a moment ago, their first INFO asked and on its way: the run waits for
    // it before it selects (failover.ts awaitFirstInfo) and aborts with
    // -failover-abort-no-good-slave if none qualifies then. Refusing now would depend on which
    // reply came back first. Replicas never asked, or whose INFO failed, are refused as before.
  } else if (selectReplica(out.state, master) === null) {
    return fail("NOGOODSLAVE", "SP_ERR_NO_GOOD_REPLICA", "No suitable replica to promote");
  } else if (switchover && selectReplica(out.state, master, master.address) === null) {
    return fail(
      "NOGOODSLAVE",
      "SP_ERR_NO_GOOD_REPLICA",
      "No suitable replica is replicating the primary: none could catch up",
    );
  } else if (!switchover && !force && selectReplica(out.state, master, null, admitted(master)) === null) {
    return fail(
      "NOGOODSLAVE",
      "SP_ERR_NO_GOOD_REPLICA",
      "No replica is within max-promotion-lag: use force to promote the best one anyway",
    );
  }
  const target = to === null ? null : { host: to.host, port: to.port };
  startElection(out, master, "manual", target, force);
  return OK;
}

/** A manual failover without force checks the limits up front (the run checks them again). */
function admitted(master: MasterState): (link: InstanceLink) => boolean {
  return (link) => admitsPromotion(master, null, link);
}

function lagText(master: MasterState, to: Address): string {
  const [bytes, ms] = lagArgs(master, null, to);
  return `lag ${bytes} bytes, ${ms} ms`;
}
