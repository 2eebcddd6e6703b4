// Failure detection: PING/INFO probes of the primary and every known replica, data-node reports,
// INFO processing (run id, reported role, replica discovery) and SDOWN (sentinel.c:
// sentinelSendPeriodicCommands, sentinelRefreshInstanceInfo, sentinelCheckSubjectivelyDown).
import { refuseEpochJump } from "./epoch-guard.js";
import { recordPrimaryOffset } from "./promotion-limit.js";
import { addressKey, newLink, nextId, sameAddress } from "./state.js";
import type { AgentState, InstanceLink, MasterState } from "./state.js";
import { masterSubject, slaveSubject } from "./out.js";
import type { Out } from "./out.js";
import type { Address, Input, NodeReport, RedisInfo } from "./types.js";

/** Longest PING period, Sentinel's. */
const PING_PERIOD_MAX_MS = 1000;

/**
 * PING period: a tenth of down-after within [timing.ping_period_ms, 1000], never above
 * down-after. Detection is then within ~10 % of down-after (Sentinel: up to a whole second late)
 * while an agent watching many masters with Sentinel's default down-after (30 s) pings each
 * instance once a second, as Sentinel does.
 */
export function pingPeriodMs(state: AgentState, master: MasterState): number {
  const down_after_ms = master.settings.down_after_ms;
  const tenth_ms = Math.floor(down_after_ms / 10);
  const period_ms = Math.min(PING_PERIOD_MAX_MS, Math.max(state.timing.ping_period_ms, tenth_ms));
  return Math.max(1, Math.min(period_ms, down_after_ms));
}

/** INFO every second while the master is down or a failover runs, else every info_period_ms. */
export function infoPeriodMs(state: AgentState, master: MasterState): number {
  const fast = master.link.sdown || master.odown || master.failover !== null;
  return fast ? state.timing.info_period_fast_ms : state.timing.info_period_ms;
}

/** Every link of a master: the primary first, then the replicas in discovery order. */
export function allLinks(master: MasterState): InstanceLink[] {
  return [master.link, ...master.replicas.values()];
}

/** Emits the probes that are due, at most one outstanding PING and one INFO per instance. */
export function scheduleProbes(out: Out, master: MasterState): void {
  const state = out.state;
  const now = state.now_ms;
  const ping_ms = pingPeriodMs(state, master);
  const info_ms = infoPeriodMs(state, master);
  // A probe whose result never came (a shell bug or a lost reply) is forgotten after this.
  const lost_ms = 2 * state.timing.probe_timeout_ms + ping_ms;
  for (const link of allLinks(master)) {
    // A PING from an earlier tick still unanswered: SDOWN may fall between two ticks.
    if (link.unanswered_since_ms !== null && !link.sdown && !link.exited) {
      const sdown_at_ms = link.unanswered_since_ms + master.settings.down_after_ms + 1;
      if (sdown_at_ms > now) out.push({ type: "wake", after_ms: sdown_at_ms - now });
    }
    if (link.ping_probe_id !== null && now - link.ping_sent_ms > lost_ms) {
      state.probes.delete(link.ping_probe_id);
      link.ping_probe_id = null;
    }
    if (link.info_probe_id !== null && now - link.info_sent_ms > lost_ms) {
      state.probes.delete(link.info_probe_id);
      link.info_probe_id = null;
    }
    if (link.ping_probe_id === null && now - link.ping_sent_ms >= ping_ms) {
      link.ping_probe_id = emitProbe(out, master, link.address, "ping");
      link.ping_sent_ms = now;
      link.unanswered_since_ms ??= now;
    }
    const period = link.info_ms === null ? state.timing.info_period_fast_ms : info_ms;
    if (link.info_probe_id === null && now - link.info_sent_ms >= period) {
      link.info_probe_id = emitProbe(out, master, link.address, "info");
      link.info_sent_ms = now;
    }
  }
}

/**
 * PINGs now (an `exited` report waits on it); an outstanding PING is forgotten: only a PING sent
 * after the report can confirm or disprove it.
 */
function pingNow(out: Out, master: MasterState, link: InstanceLink): void {
  const state = out.state;
  if (link.ping_probe_id !== null) state.probes.delete(link.ping_probe_id);
  link.ping_probe_id = emitProbe(out, master, link.address, "ping");
  link.ping_sent_ms = state.now_ms;
  link.unanswered_since_ms ??= state.now_ms;
}

/** Asks for INFO now (a switchover waits on it); an outstanding INFO probe is forgotten. */
export function probeInfoNow(out: Out, master: MasterState, link: InstanceLink): void {
  if (link.info_probe_id !== null) out.state.probes.delete(link.info_probe_id);
  link.info_probe_id = emitProbe(out, master, link.address, "info");
  link.info_sent_ms = out.state.now_ms;
}

function emitProbe(out: Out, master: MasterState, target: Address, kind: "ping" | "info"): number {
  const state = out.state;
  const probe_id = nextId(state);
  state.probes.set(probe_id, { sent_ms: state.now_ms, master: master.name, address: target, kind });
  out.push({ type: "probe", probe_id, target, kind, timeout_ms: state.timing.probe_timeout_ms });
  return probe_id;
}

/** Finds the link of `address` in `master` (primary or replica). */
export function findLink(master: MasterState, address: Address): InstanceLink | null {
  if (sameAddress(master.link.address, address)) return master.link;
  return master.replicas.get(addressKey(address)) ?? null;
}

/** Handles a probe result; returns the master it concerned (to re-evaluate), or null if stale. */
export function onProbeResult(out: Out, input: Extract<Input, { type: "probe_result" }>): MasterState | null {
  const state = out.state;
  const pending = state.probes.get(input.probe_id);
  if (pending === undefined) return null;
  state.probes.delete(input.probe_id);
  const master = state.masters.get(pending.master);
  if (master === undefined) return null;
  const link = findLink(master, pending.address);
  if (link === null) return master;
  const result = input.result;
  if (pending.kind === "ping") {
    if (link.ping_probe_id === input.probe_id) link.ping_probe_id = null;
    const confirms_exit = link.exit_report_ms !== null && pending.sent_ms >= link.exit_report_ms;
    if (!result.ok) {
      if (confirms_exit) confirmExit(link);
      return master;
    }
    link.last_reply_ms = state.now_ms;
    if (result.kind === "ping") {
      link.last_avail_ms = state.now_ms;
      link.last_pong_ms = state.now_ms;
      link.unanswered_since_ms = null;
      // Only a PONG ends a reboot (sentinelPingReplyCallback): a server still LOADING its data
      // after a restart is available but not serving.
      if (result.reply === "PONG") link.reboot_since_ms = null;
      if (confirms_exit) {
        // The server answers from the reported address: the report is wrong (a data-node that
        // failed to start a second server, issue 13). Not trusted again until `running` is.
        link.exit_report_ms = null;
        link.exit_disproved = true;
      }
      // A PONG to a PING sent after the reported exit means the process is back.
      if (link.exited && link.ping_sent_ms > link.exited_ms) link.exited = false;
    }
    return master;
  }
  if (link.info_probe_id === input.probe_id) link.info_probe_id = null;
  if (result.ok && result.kind === "info") {
    link.last_reply_ms = state.now_ms;
    applyInfo(out, master, link, result.info);
  }
  return master;
}

/** Handles a data-node report; returns the masters it concerned. */
export function onNodeReport(out: Out, report: NodeReport): MasterState[] {
  const touched: MasterState[] = [];
  for (const master of out.state.masters.values()) {
    const link = findLink(master, report.address);
    if (link === null) continue;
    touched.push(master);
    if (report.seq <= link.report_seq) continue; // duplicated or reordered: older news
    // Its epoch may raise ours later (reconcile.ts, a stuck fence): bounded like a peer's.
    if (refuseEpochJump(out, master, `report of ${report.node_id}`, report.epoch)) continue;
    link.report_seq = report.seq;
    link.node_epoch = report.epoch;
    if (!report.fenced) link.fenced_since_ms = null;
    else if (!link.fenced) link.fenced_since_ms = out.state.now_ms;
    link.fenced = report.fenced;
    link.data_lost = report.data_lost === true;
    applyProcessState(out, master, link, report);
    if (report.info !== undefined) applyInfo(out, master, link, report.info);
  }
  return touched;
}

/**
 * A supervised `exited` report makes the instance down at once (no down-after wait), but only
 * once our own PING, sent after the report arrived, fails as well: a PONG from that address
 * contradicts it. A killed server refuses the connection within a round trip, so the fast path
 * costs one RTT; without the check, reports of a data-node that could not start a second server
 * beside a live one failed over a healthy primary again and again (issue 13: epochs 5 -> 22 in
 * 60 s, up to 1 s with two writable masters). A disproved exit stays ignored until the data-node
 * reports the process running again; a later exit is then checked anew.
 */
function applyProcessState(out: Out, master: MasterState, link: InstanceLink, report: NodeReport): void {
  const now = out.state.now_ms;
  const process = report.process;
  if (process.state === "exited" && report.supervised) {
    if (link.exited || link.exit_report_ms !== null || link.exit_disproved) return;
    link.exit_report_ms = now;
    pingNow(out, master, link);
    return;
  }
  if (process.state === "running") {
    link.exited = false;
    link.exit_report_ms = null;
    link.exit_disproved = false;
    if (report.info !== undefined) {
      // The data-node beside the server talked to it recently: it counts for the `disconnected`
      // flag, not for SDOWN. Its INFO may predate a hang by a probe period, so clearing our
      // own unanswered PING with it would push SDOWN back by as much; SDOWN stays our own PINGs'
      // verdict, as in Sentinel.
      link.last_reply_ms = now;
      link.last_avail_ms = now;
    }
  }
}

function confirmExit(link: InstanceLink): void {
  const reported_ms = link.exit_report_ms;
  if (reported_ms === null) return;
  link.exit_report_ms = null;
  link.exited = true;
  link.exited_ms = reported_ms;
}

/** INFO from a probe or a report: reboot, role, replica fields and (from the primary) discovery. */
export function applyInfo(out: Out, master: MasterState, link: InstanceLink, info: RedisInfo): void {
  const now = out.state.now_ms;
  const is_primary = link === master.link;
  const subject = is_primary ? masterSubject(master) : slaveSubject(master, link.address);
  if (link.run_id !== null && info.run_id !== "" && link.run_id !== info.run_id) {
    out.event("+reboot", master, subject);
    // Set only with a period (0: a LOADING primary is never failed over, Sentinel before 7.0).
    if (is_primary && master.settings.master_reboot_down_after_period_ms > 0) link.reboot_since_ms = now;
  }
  if (info.run_id !== "") link.run_id = info.run_id;
  if (link.role_reported !== info.role) {
    if (link.role_reported !== null) {
      const expected = is_primary ? "master" : "slave";
      const name = info.role === expected ? "+role-change" : "-role-change";
      out.event(name, master, subject, [info.role]);
    }
    link.role_reported = info.role;
    link.role_reported_ms = now;
  }
  const before = link.info;
  if (
    info.role === "slave" &&
    (before?.master_host !== info.master_host || before?.master_port !== info.master_port)
  ) {
    link.slave_conf_change_ms = now;
  }
  if (info.role === "slave" && info.master_link_status === "down") {
    const down_s = Math.max(0, info.master_link_down_since_s ?? 0);
    link.link_down_since_ms ??= now - down_s * 1000;
  } else {
    link.link_down_since_ms = null;
  }
  link.info = info;
  link.info_ms = now;
  if (is_primary && info.role === "master") {
    recordPrimaryOffset(master, link.address, info, now);
    discoverReplicas(out, master, info);
  }
}

function discoverReplicas(out: Out, master: MasterState, info: RedisInfo): void {
  for (const entry of info.replicas) {
    const address = { host: entry.host, port: entry.port };
    addReplica(out, master, address);
  }
}

/** Adds a replica unless known (or the primary itself): `+slave`, persisted. */
export function addReplica(out: Out, master: MasterState, address: Address): void {
  if (sameAddress(address, master.address)) return;
  const key = addressKey(address);
  if (master.replicas.has(key)) return;
  master.replicas.set(key, newLink(address, out.state.now_ms));
  out.markDirty();
  out.event("+slave", master, slaveSubject(master, address));
}

/** Whether the instance counts as down now (without TILT considerations). */
export function looksDown(state: AgentState, master: MasterState, link: InstanceLink): boolean {
  const now = state.now_ms;
  const settings = master.settings;
  if (link.exited) return true;
  if (link.unanswered_since_ms !== null && now - link.unanswered_since_ms > settings.down_after_ms)
    return true;
  if (link !== master.link) return false;
  // sentinel.c (sentinelCheckSubjectivelyDown): a primary that rebooted (+reboot) and has not
  // answered PONG since (LOADING, MASTERDOWN: available, but not serving) for longer than
  // master-reboot-down-after-period is down. It is not down *during* that period: a primary that
  // restarts and answers PONG at once never is.
  if (
    link.reboot_since_ms !== null &&
    now - link.reboot_since_ms > settings.master_reboot_down_after_period_ms
  )
    return true;
  // A primary that keeps reporting role slave is down for us (sentinel.c does the same).
  const slave_for_ms = now - link.role_reported_ms;
  return (
    link.role_reported === "slave" && slave_for_ms > settings.down_after_ms + 2 * state.timing.info_period_ms
  );
}

/** SDOWN transitions of every instance of a master. Returns true when the primary's changed. */
export function refreshSdown(out: Out, master: MasterState): boolean {
  let primary_changed = false;
  for (const link of allLinks(master)) {
    const down = looksDown(out.state, master, link);
    if (down === link.sdown) continue;
    link.sdown = down;
    const is_primary = link === master.link;
    if (down) link.sdown_since_ms = out.state.now_ms;
    const subject = is_primary ? masterSubject(master) : slaveSubject(master, link.address);
    out.event(down ? "+sdown" : "-sdown", master, subject);
    if (is_primary) primary_changed = true;
  }
  return primary_changed;
}

/**
 * Whether an instance is answering, for the read APIs' `disconnected` flag: a reply (PONG, INFO or
 * a data-node report with INFO) within 5 PING periods plus a probe timeout.
 */
export function isAnswering(state: AgentState, master: MasterState, link: InstanceLink): boolean {
  const window_ms = 5 * pingPeriodMs(state, master) + state.timing.probe_timeout_ms;
  return Number.isFinite(link.last_reply_ms) && state.now_ms - link.last_reply_ms < window_ms;
}
