// The configuration files of a local cluster. Pure renderers plus one writer that creates what is
// missing: redis.conf and sentinel.conf are written only once, because Redis (CONFIG REWRITE
// after a role change) and the agents (myid, epochs, known replicas) rewrite them; the JSON files
// of the data-nodes and the vip-manager carry no state and are written on every start.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import type { ClusterSettings } from "../state/cluster-state.js";
import type { Layout } from "../state/layout.js";
import type { NatsCredential, NatsSecrets } from "./nats-secrets.js";
import { agentCredential, credentialOf, natsConfFile, natsConfText, VIP_MANAGER_ID } from "./nats-secrets.js";
import { LOOPBACK } from "./ports.js";
import { syncRequirepass } from "./sentinel-password.js";
import { leaseToken, leaseTokenLines, localNodeId, syncLeaseTokens } from "./lease-tokens.js";
import type { LocalTls } from "./local-tls.js";
import { exists } from "./path-exists.js";
import { supervisedRedisServerLines, tlsOnlyServerLines } from "@sentinel-plane/runtime";
import type { NatsSectionInput } from "@sentinel-plane/protocol";

export function natsUrl(settings: ClusterSettings): string {
  return `nats://${LOOPBACK}:${settings.ports.nats}`;
}

/**
 * A data-node's failsafe token (an agent REST token of the lease role bound to that node, README
 * "Security"): derived from the REST token and the node id, one-way (lease-tokens.ts).
 */
export function leaseTokenOf(settings: ClusterSettings, node_id: string): string {
  return leaseToken(settings.rest_token, node_id);
}

/** Every agent's lease lines: one bound token per data-node of the cluster. */
function agentLeaseLines(settings: ClusterSettings): string[] {
  return leaseTokenLines(
    settings.rest_token,
    settings.ports.redis.map((_, index) => localNodeId(index)),
  );
}

/** `up --tls`: TLS only (port 0), replicas to their primary over TLS too, client certificates required. */
function redisTlsLines(port: number, tls: LocalTls): string[] {
  return tlsOnlyServerLines(port, tls);
}

export function redisConfText(
  layout: Layout,
  settings: ClusterSettings,
  index: number,
  tls: LocalTls | null = null,
): string {
  const port = settings.ports.redis[index];
  const primary = settings.ports.redis[0];
  if (port === undefined || primary === undefined) throw new Error(`no port for redis-${index}`);
  const lines = [
    "# Written once by `sentinel-plane up`; Redis rewrites it (CONFIG REWRITE) after role changes.",
    ...(tls === null ? [`port ${port}`] : redisTlsLines(port, tls)),
    `bind ${LOOPBACK}`,
    `dir ${layout.redisData(index)}`,
    "appendonly yes",
    "appendfsync everysec",
    "save 3600 1 300 100 60 10000",
    ...supervisedRedisServerLines(),
  ];
  if (index > 0) lines.push(`replicaof ${LOOPBACK} ${primary}`);
  return `${lines.join("\n")}\n`;
}

export function dataNodeJson(
  layout: Layout,
  settings: ClusterSettings,
  index: number,
  secrets: NatsSecrets,
  tls: LocalTls | null = null,
): string {
  const port = settings.ports.redis[index];
  if (port === undefined) throw new Error(`no port for redis-${index}`);
  const files = tlsFiles(tls);
  const node_id = localNodeId(index);
  return `${JSON.stringify(
    {
      node_id,
      cluster_id: settings.cluster_id,
      master_name: settings.master_name,
      nats: natsSection(settings, credentialOf(secrets, { role: "data-node", id: node_id }), tls),
      redis: { host: LOOPBACK, port, ...files },
      mode: "supervise",
      redis_config_path: layout.redisConfig(index),
      state_dir: layout.dataNodeState(index),
      poll_interval_ms: 100,
      probe_timeout_ms: 300,
      // NATS away: ask the agents for the write lease on their REST ports (failsafe).
      failsafe: {
        agents: settings.ports.rest.map((rest) => `http://${LOOPBACK}:${rest}`),
        token: leaseTokenOf(settings, node_id),
      },
      log_level: "info",
    },
    null,
    2,
  )}\n`;
}

/**
 * Written once. The agent's id is fixed here (its NATS user names it); its NATS password reaches
 * it through SP_NATS_USER/SP_NATS_PASS (components.ts), so a rotation never edits this file.
 */
export function sentinelConfText(
  layout: Layout,
  settings: ClusterSettings,
  index: number,
  secrets: NatsSecrets,
  tls: LocalTls | null = null,
): string {
  const port = settings.ports.sentinel[index];
  const rest = settings.ports.rest[index];
  const primary = settings.ports.redis[0];
  if (port === undefined || rest === undefined || primary === undefined)
    throw new Error(`no ports for agent-${index}`);
  const name = settings.master_name;
  return [
    "# Written once by `sentinel-plane up`; the agent rewrites it (myid, epochs, known instances).",
    `port ${port}`,
    `bind ${LOOPBACK}`,
    `sentinel announce-ip ${LOOPBACK}`,
    `sentinel monitor ${name} ${LOOPBACK} ${primary} ${settings.quorum}`,
    `sentinel down-after-milliseconds ${name} ${settings.down_after_ms}`,
    `sentinel failover-timeout ${name} ${settings.failover_timeout_ms}`,
    `sentinel myid ${agentCredential(secrets, index).myid}`,
    `sentinel-plane nats-servers ${natsUrl(settings)}`,
    `sentinel-plane cluster-id ${settings.cluster_id}`,
    `sentinel-plane state-dir ${layout.agentDir(index)}`,
    `sentinel-plane rest-port ${rest}`,
    `sentinel-plane rest-token ${settings.rest_token}`,
    ...agentLeaseLines(settings),
    ...(settings.sentinel_password === undefined ? [] : [`requirepass ${settings.sentinel_password}`]),
    ...(tls === null ? [] : agentTlsLines(port, tls)),
    "",
  ].join("\n");
}

/** The Sentinel port on TLS only (the same number), REST https, links to Redis and NATS over TLS. */
function agentTlsLines(port: number, tls: LocalTls): string[] {
  return [
    ...tlsOnlyServerLines(port, tls),
    "sentinel-plane rest-tls yes",
    `sentinel-plane nats-tls-ca-file ${tls.ca_file}`,
    `sentinel-plane nats-tls-cert-file ${tls.cert_file}`,
    `sentinel-plane nats-tls-key-file ${tls.key_file}`,
  ];
}

/** The `tls` section of the data-node's and vip-manager's JSON files (absent without TLS). */
type TlsSection = { tls?: { ca_file: string; cert_file: string; key_file: string } };

function tlsFiles(tls: LocalTls | null): TlsSection {
  return tls === null
    ? {}
    : { tls: { ca_file: tls.ca_file, cert_file: tls.cert_file, key_file: tls.key_file } };
}

/**
 * The `nats` section of the data-node's and vip-manager's JSON files: the same server, timings and
 * TLS files for both, each with its own NATS user. Typed by the schema both services validate it with.
 */
function natsSection(
  settings: ClusterSettings,
  credential: NatsCredential,
  tls: LocalTls | null,
): NatsSectionInput {
  return {
    servers: [natsUrl(settings)],
    ...credential,
    connect_timeout_ms: 2000,
    reconnect_wait_ms: 250,
    reconnect_jitter_ms: 100,
    ping_interval_ms: 2000,
    ping_max_out: 2,
    ...tlsFiles(tls),
  };
}

export function vipManagerJson(
  layout: Layout,
  settings: ClusterSettings,
  secrets: NatsSecrets,
  tls: LocalTls | null = null,
): string {
  return `${JSON.stringify(
    {
      cluster_id: settings.cluster_id,
      host_name: "local",
      nats: natsSection(settings, credentialOf(secrets, { role: "vip-manager", id: VIP_MANAGER_ID }), tls),
      // Hooks only: no VIP on loopback. Every Redis of this cluster lives on this "host".
      host_addresses: [LOOPBACK],
      vips: [],
      hooks: {
        client_reconfig_script: layout.reconfig_script,
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        cwd: layout.vip_dir,
      },
      log_level: "info",
    },
    null,
    2,
  )}\n`;
}

/** A client-reconfig-script that records Sentinel's argv: shows the hooks working. */
export function reconfigScriptText(layout: Layout): string {
  return [
    "#!/bin/sh",
    "# Called by vip-manager on every committed primary change with Sentinel's argv:",
    "# <master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>",
    `printf '%s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >> '${layout.reconfig_log}'`,
    "",
  ].join("\n");
}

async function writeOnce(path: string, text: string, mode: number): Promise<void> {
  if (await exists(path)) return;
  await writeFile(path, text, { mode });
}

export async function writeClusterFiles(
  layout: Layout,
  settings: ClusterSettings,
  counts: { readonly redis: number; readonly agents: number },
  secrets: NatsSecrets,
  tls: LocalTls | null = null,
): Promise<void> {
  await mkdir(layout.logs_dir, { recursive: true });
  await mkdir(layout.nats_dir, { recursive: true });
  await writeFile(natsConfFile(layout), natsConfText(layout, settings, secrets, counts, tls), {
    mode: 0o600,
  });
  await chmod(natsConfFile(layout), 0o600);
  for (let i = 0; i < counts.redis; i++) {
    await mkdir(layout.redisData(i), { recursive: true });
    await mkdir(layout.dataNodeState(i), { recursive: true });
    await writeOnce(layout.redisConfig(i), redisConfText(layout, settings, i, tls), 0o600);
    await writeFile(layout.dataNodeConfig(i), dataNodeJson(layout, settings, i, secrets, tls), {
      mode: 0o600,
    });
  }
  for (let i = 0; i < counts.agents; i++) {
    await mkdir(layout.agentDir(i), { recursive: true, mode: 0o700 });
    // Holds the REST token: readable by the owner only.
    await writeOnce(layout.agentConfig(i), sentinelConfText(layout, settings, i, secrets, tls), 0o600);
    // A file written before the password existed (or before a rotation) gets the current one.
    if (settings.sentinel_password !== undefined)
      await syncRequirepass(layout.agentConfig(i), settings.sentinel_password);
    // A file written before the lease tokens were bound to their nodes gets the bound ones.
    await syncLeaseTokens(layout.agentConfig(i), agentLeaseLines(settings));
  }
  await mkdir(layout.vip_dir, { recursive: true });
  await writeFile(layout.vip_config, vipManagerJson(layout, settings, secrets, tls), { mode: 0o600 });
  await writeFile(layout.reconfig_script, reconfigScriptText(layout), { mode: 0o755 });
  await chmod(layout.reconfig_script, 0o755);
}
