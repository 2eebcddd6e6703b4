// Instance views -> Sentinel's field lists, in sentinel.c addReplySentinelRedisInstance's order:
// every value a bulk string (numbers included), optional fields tied to flags, flags in
// Sentinel's fixed order. A map in RESP3, a flat array in RESP2.
import type { Reply } from "./reply.js";
import { bulk, bulkNumber, map } from "./reply.js";
import type { InstanceFlag, InstanceView, MasterView, ReplicaView, SentinelPeerView } from "./view.js";

const FLAG_ORDER: readonly InstanceFlag[] = [
  "s_down",
  "o_down",
  "master",
  "slave",
  "sentinel",
  "disconnected",
  "master_down",
  "failover_in_progress",
  "promoted",
  "reconf_sent",
  "reconf_inprog",
  "reconf_done",
  "force_failover",
  "script_kill_sent",
];

export function formatFlags(flags: readonly InstanceFlag[]): string {
  const set = new Set(flags);
  return FLAG_ORDER.filter((flag) => set.has(flag)).join(",");
}

type Fields = [string, Reply][];

function commonHead(view: InstanceView, fields: Fields, failover_state: string | null): void {
  fields.push(
    ["name", bulk(view.name)],
    ["ip", bulk(view.ip)],
    ["port", bulkNumber(view.port)],
    ["runid", bulk(view.runid)],
    ["flags", bulk(formatFlags(view.flags))],
    ["link-pending-commands", bulkNumber(view.link_pending_commands)],
    ["link-refcount", bulkNumber(view.link_refcount)],
  );
  if (failover_state !== null) fields.push(["failover-state", bulk(failover_state)]);
  fields.push(
    ["last-ping-sent", bulkNumber(view.last_ping_sent_ms)],
    ["last-ok-ping-reply", bulkNumber(view.last_ok_ping_reply_ms)],
    ["last-ping-reply", bulkNumber(view.last_ping_reply_ms)],
  );
  if (view.flags.includes("s_down")) fields.push(["s-down-time", bulkNumber(view.s_down_time_ms ?? 0)]);
  if (view.flags.includes("o_down")) fields.push(["o-down-time", bulkNumber(view.o_down_time_ms ?? 0)]);
  fields.push(["down-after-milliseconds", bulkNumber(view.down_after_ms)]);
}

function roleFields(
  view: {
    readonly info_refresh_ms: number;
    readonly role_reported: string;
    readonly role_reported_time_ms: number;
  },
  fields: Fields,
): void {
  fields.push(
    ["info-refresh", bulkNumber(view.info_refresh_ms)],
    ["role-reported", bulk(view.role_reported)],
    ["role-reported-time", bulkNumber(view.role_reported_time_ms)],
  );
}

export function masterReply(view: MasterView): Reply {
  const fields: Fields = [];
  const inFailover = view.flags.includes("failover_in_progress");
  commonHead(view, fields, inFailover ? (view.failover_state ?? "none") : null);
  roleFields(view, fields);
  fields.push(
    ["config-epoch", bulkNumber(view.config_epoch)],
    ["num-slaves", bulkNumber(view.num_slaves)],
    ["num-other-sentinels", bulkNumber(view.num_other_sentinels)],
    ["quorum", bulkNumber(view.quorum)],
    ["failover-timeout", bulkNumber(view.failover_timeout_ms)],
    ["parallel-syncs", bulkNumber(view.parallel_syncs)],
  );
  if (view.notification_script !== undefined)
    fields.push(["notification-script", bulk(view.notification_script)]);
  if (view.client_reconfig_script !== undefined) {
    fields.push(["client-reconfig-script", bulk(view.client_reconfig_script)]);
  }
  return map(fields);
}

export function replicaReply(view: ReplicaView): Reply {
  const fields: Fields = [];
  commonHead(view, fields, null);
  roleFields(view, fields);
  fields.push(
    ["master-link-down-time", bulkNumber(view.master_link_down_time_ms)],
    ["master-link-status", bulk(view.master_link_status)],
    ["master-host", bulk(view.master_host)],
    ["master-port", bulkNumber(view.master_port)],
    ["slave-priority", bulkNumber(view.slave_priority)],
    ["slave-repl-offset", bulkNumber(view.slave_repl_offset)],
    ["replica-announced", bulkNumber(view.replica_announced ? 1 : 0)],
  );
  return map(fields);
}

export function sentinelPeerReply(view: SentinelPeerView): Reply {
  const fields: Fields = [];
  commonHead(view, fields, null);
  fields.push(
    ["last-hello-message", bulkNumber(view.last_hello_message_ms)],
    ["voted-leader", bulk(view.voted_leader)],
    ["voted-leader-epoch", bulkNumber(view.voted_leader_epoch)],
  );
  return map(fields);
}
