// `sentinel <directive> ...` lines, with Redis 7.0's semantics (sentinel.c
// sentinelHandleConfiguration) and its messages where Redis has one, plus stricter values.
import type { Directive, DirectiveContext, MasterDirective } from "./directive.js";
import { arg, check } from "./directive.js";
import type { MasterDraft } from "./draft.js";
import { newMasterDraft } from "./draft.js";
import { sameAddress } from "@sentinel-plane/core";
import {
  EPOCH,
  NON_NEGATIVE_MS,
  PARALLEL_SYNCS,
  POSITIVE_MS,
  QUORUM,
  parseHost,
  parseInteger,
  parseMasterName,
  parsePort,
  parseRunId,
  parseYesNo,
  shown,
} from "./values.js";

function global(usage: string, arity: number, apply: (ctx: DirectiveContext) => void): Directive {
  return { kind: "global", arity: [arity, arity], usage, apply };
}

function perMaster(
  usage: string,
  arity: readonly [number, number],
  apply: (ctx: DirectiveContext, master: MasterDraft) => void,
): MasterDirective {
  return { kind: "master", arity, usage, apply };
}

function setMs(field: "down_after_ms" | "failover_timeout_ms", what: string): MasterDirective {
  return perMaster(`<master-name> <${what}>`, [2, 2], (ctx, m) => {
    const v = check(ctx, parseInteger(arg(ctx, 1), POSITIVE_MS));
    if (v !== null) m[field] = v;
  });
}

function script(
  field: "notification_script" | "client_reconfig_script",
  redis_reason: string,
): MasterDirective {
  return perMaster("<master-name> <script-path>", [2, 2], (ctx, m) => {
    const path = arg(ctx, 1);
    if (path === "") {
      ctx.fail("expected a script path, got an empty string");
      return;
    }
    if (ctx.isExecutable !== null && !ctx.isExecutable(path, ctx.draft.server.dir)) {
      ctx.fail(`${redis_reason} (${shown(path)})`);
      return;
    }
    m[field] = path;
  });
}

function address(ctx: DirectiveContext, host_index: number): { host: string; port: number } | null {
  const host = check(ctx, parseHost(arg(ctx, host_index), ctx.draft.resolve_hostnames));
  const port = check(ctx, parsePort(arg(ctx, host_index + 1)));
  return host === null || port === null ? null : { host, port };
}

function yesNo(field: "deny_scripts_reconfig" | "resolve_hostnames" | "announce_hostnames"): Directive {
  return global("yes|no", 1, (ctx) => {
    const v = check(ctx, parseYesNo(arg(ctx, 0)));
    if (v !== null) ctx.draft[field] = v;
  });
}

/** Handles `sentinel monitor` itself: it creates the master the other lines refer to. */
export function applyMonitor(ctx: DirectiveContext): void {
  const raw_name = arg(ctx, 0);
  const name = check(ctx, parseMasterName(raw_name));
  const addr = address(ctx, 1);
  const quorum = check(ctx, parseInteger(arg(ctx, 3), QUORUM));
  if (name === null || addr === null || quorum === null) {
    ctx.draft.refused_masters.add(raw_name);
    return;
  }
  if (ctx.draft.masters.has(name)) {
    ctx.fail(`Duplicate master name. (${shown(name)} is already monitored)`);
    return;
  }
  ctx.draft.masters.set(name, newMasterDraft(name, addr, quorum));
}

export const MONITOR_USAGE = "<master-name> <ip> <port> <quorum>";

/** Directives applied before every `monitor` (Redis' preMonitorCfgName). */
export const SENTINEL_GLOBAL: ReadonlyMap<string, Directive> = new Map<string, Directive>([
  [
    "announce-ip",
    global("<ip>", 1, (ctx) => {
      const v = arg(ctx, 0);
      if (v === "") {
        ctx.draft.announce_ip = null; // Redis: an empty value means none
        return;
      }
      const host = check(ctx, parseHost(v, true));
      if (host !== null) ctx.draft.announce_ip = host;
    }),
  ],
  [
    "announce-port",
    global("<port>", 1, (ctx) => {
      if (arg(ctx, 0) === "0") {
        ctx.draft.announce_port = null; // Redis: 0 means none
        return;
      }
      const v = check(ctx, parsePort(arg(ctx, 0)));
      if (v !== null) ctx.draft.announce_port = v;
    }),
  ],
  ["deny-scripts-reconfig", yesNo("deny_scripts_reconfig")],
  ["resolve-hostnames", yesNo("resolve_hostnames")],
  ["announce-hostnames", yesNo("announce_hostnames")],
  [
    "sentinel-user",
    global("<username>", 1, (ctx) => {
      ctx.draft.sentinel_user = arg(ctx, 0) === "" ? null : arg(ctx, 0);
    }),
  ],
  [
    "sentinel-pass",
    global("<password>", 1, (ctx) => {
      ctx.draft.sentinel_pass = arg(ctx, 0) === "" ? null : arg(ctx, 0);
    }),
  ],
  [
    "current-epoch",
    global("<epoch>", 1, (ctx) => {
      const v = check(ctx, parseInteger(arg(ctx, 0), EPOCH));
      if (v !== null) ctx.draft.current_epoch = Math.max(ctx.draft.current_epoch, v);
    }),
  ],
  [
    "myid",
    global("<40 hex characters>", 1, (ctx) => {
      const v = parseRunId(arg(ctx, 0), "an id");
      if (!v.ok) {
        ctx.fail(`Malformed Sentinel id in myid option: ${v.reason}`);
        return;
      }
      ctx.draft.myid = v.value;
    }),
  ],
]);

/** Directives that name a master, applied after every `monitor`. */
export const SENTINEL_PER_MASTER: ReadonlyMap<string, MasterDirective> = new Map<string, MasterDirective>([
  ["down-after-milliseconds", setMs("down_after_ms", "milliseconds")],
  ["failover-timeout", setMs("failover_timeout_ms", "milliseconds")],
  [
    "parallel-syncs",
    perMaster("<master-name> <count>", [2, 2], (ctx, m) => {
      const v = check(ctx, parseInteger(arg(ctx, 1), PARALLEL_SYNCS));
      if (v !== null) m.parallel_syncs = v;
    }),
  ],
  [
    "master-reboot-down-after-period",
    perMaster("<master-name> <milliseconds>", [2, 2], (ctx, m) => {
      const v = check(ctx, parseInteger(arg(ctx, 1), NON_NEGATIVE_MS));
      if (v !== null) m.master_reboot_down_after_period_ms = v;
    }),
  ],
  [
    "notification-script",
    script("notification_script", "Notification script seems non existing or non executable."),
  ],
  [
    "client-reconfig-script",
    script("client_reconfig_script", "Client reconfiguration script seems non existing or non executable."),
  ],
  [
    "auth-pass",
    perMaster("<master-name> <password>", [2, 2], (ctx, m) => {
      m.auth_pass = arg(ctx, 1);
    }),
  ],
  [
    "auth-user",
    perMaster("<master-name> <username>", [2, 2], (ctx, m) => {
      m.auth_user = arg(ctx, 1);
    }),
  ],
  [
    "config-epoch",
    perMaster("<master-name> <epoch>", [2, 2], (ctx, m) => {
      const v = check(ctx, parseInteger(arg(ctx, 1), EPOCH));
      if (v !== null) m.config_epoch = v;
    }),
  ],
  [
    "leader-epoch",
    perMaster("<master-name> <epoch>", [2, 2], (ctx, m) => {
      const v = check(ctx, parseInteger(arg(ctx, 1), EPOCH));
      if (v !== null) m.leader_epoch = v;
    }),
  ],
  [
    "promote-lease-granted",
    perMaster("<master-name> <epoch> <ip> <port>", [4, 4], (ctx, m) => {
      const epoch = check(ctx, parseInteger(arg(ctx, 1), EPOCH));
      const addr = address(ctx, 2);
      if (epoch !== null && addr !== null) m.promote_lease_granted = { epoch, address: addr };
    }),
  ],
  ["known-replica", perMaster("<master-name> <ip> <port>", [3, 3], applyKnownReplica)],
  ["known-slave", perMaster("<master-name> <ip> <port>", [3, 3], applyKnownReplica)],
  ["known-sentinel", perMaster("<master-name> <ip> <port> <runid>", [3, 4], applyKnownSentinel)],
  [
    "rename-command",
    perMaster("<master-name> <command> <renamed-command>", [3, 3], (ctx, m) => {
      const command = arg(ctx, 1);
      const renamed_to = arg(ctx, 2);
      if (command === "" || renamed_to === "") {
        ctx.fail("expected non-empty command names");
        return;
      }
      // Redis keys renamed commands case-insensitively.
      if (m.renamed_commands.some((r) => r.command.toLowerCase() === command.toLowerCase())) {
        ctx.fail(`Same command renamed multiple times with rename-command. (${shown(command)})`);
        return;
      }
      m.renamed_commands.push({ command, renamed_to });
    }),
  ],
]);

function applyKnownReplica(ctx: DirectiveContext, m: MasterDraft): void {
  const addr = address(ctx, 1);
  if (addr === null) return;
  if (m.known_replicas.some((r) => sameAddress(r, addr))) {
    ctx.fail(`Duplicate hostname and port for replica. (${addr.host} ${addr.port})`);
    return;
  }
  m.known_replicas.push(addr);
}

function applyKnownSentinel(ctx: DirectiveContext, m: MasterDraft): void {
  const addr = address(ctx, 1);
  if (ctx.args.length === 3) {
    // Redis accepts the pre-2.8 form without a run id and ignores it; so do we.
    ctx.note("known-sentinel without a run id is ignored (as Redis does); it is dropped on rewrite");
    return;
  }
  const id = check(ctx, parseRunId(arg(ctx, 3), "a run id"));
  if (addr === null || id === null) return;
  if (m.known_sentinels.some((s) => s.id === id)) {
    ctx.fail(`Duplicate runid for sentinel. (${id})`);
    return;
  }
  m.known_sentinels.push({ id, announce: addr });
}
