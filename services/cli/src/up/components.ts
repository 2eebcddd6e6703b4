// Starting each kind of process of the local cluster, and what "started" means for each: a line
// each of them prints once it serves. Node services run as `node --import tsx <entry>` from this
// repository.
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliError, EXIT } from "../errors.js";
import type { ClusterSettings } from "../state/cluster-state.js";
import type { Layout } from "../state/layout.js";
import { agentMallocEnv, agentNodeOptions } from "./agent-node-options.js";
import { Child, logField } from "./child.js";
import type { NatsSecrets } from "./nats-secrets.js";
import { agentCredential, natsConfFile } from "./nats-secrets.js";

/**
 * The checkout this CLI runs from: the nearest folder up from this module (src/up/ when run
 * through tsx, dist/chunks/ when compiled) that holds the services' sources. `up` runs them; an
 * installed CLI (npm pack) has none, and `up` then says so instead of failing on a missing file.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "services/sentinel-agent/src/main.ts"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new CliError(
        EXIT.start_failed,
        "CLI_NO_CHECKOUT",
        "`up` starts the services from a sentinel-plane checkout, and this CLI runs outside one: run it from the repository (npx sentinel-plane up), or start the services with their systemd units (deploy/)",
      );
    }
    dir = parent;
  }
}

const ENTRY_PATHS = {
  data_node: "services/data-node/src/main.ts",
  agent: "services/sentinel-agent/src/main.ts",
  vip_manager: "services/vip-manager/src/main.ts",
} as const;

function entryOf(name: keyof typeof ENTRY_PATHS): string {
  return join(repoRoot(), ENTRY_PATHS[name]);
}

export interface StartTimeouts {
  readonly nats_ms: number;
  readonly service_ms: number;
}

export const START_TIMEOUTS: StartTimeouts = { nats_ms: 15_000, service_ms: 60_000 };

function nodeService(
  name: string,
  entry: string,
  args: readonly string[],
  cwd: string,
  log: string,
  env: Readonly<Record<string, string>> = {},
  node_options: readonly string[] = [],
): Promise<Child> {
  return Child.start({
    name,
    command: process.execPath,
    args: [...node_options, "--import", import.meta.resolve("tsx"), entry, ...args],
    cwd,
    log_path: log,
    env: { SP_LOG_LEVEL: "info", ...env },
  });
}

/** Called right after a spawn, before readiness: whoever stops the cluster knows the process. */
export type Track = (child: Child) => void;

export async function startNats(
  layout: Layout,
  settings: ClusterSettings,
  timeouts: StartTimeouts,
  track: Track,
): Promise<Child> {
  const child = await Child.start({
    name: "nats-server",
    command: "nats-server",
    // Listener, JetStream store and authorization: all in the file (nats-secrets.ts).
    args: ["-c", natsConfFile(layout)],
    cwd: layout.nats_dir,
    log_path: layout.log("nats-server"),
  });
  track(child);
  await child.waitForLine((line) => line.includes("Server is ready"), timeouts.nats_ms, "'Server is ready'");
  return child;
}

/** The supervised redis-server's PID from the data-node's log (it changes when redis restarts). */
export function followRedisPid(child: Child, update: (pid: number) => void): void {
  child.onLine((line) => {
    if (logField(line, "event") !== "redis_started") return;
    const pid = logField(line, "pid");
    if (typeof pid === "number") update(pid);
  });
}

export async function startDataNode(
  layout: Layout,
  index: number,
  timeouts: StartTimeouts,
  track: Track,
): Promise<Child> {
  const child = await nodeService(
    `data-node-${index}`,
    entryOf("data_node"),
    ["--config", layout.dataNodeConfig(index)],
    layout.redisDir(index),
    layout.log(`data-node-${index}`),
  );
  track(child);
  await child.waitForLine(
    (line) => logField(line, "event") === "commands_ready",
    timeouts.service_ms,
    "commands_ready",
  );
  return child;
}

export async function startAgent(
  layout: Layout,
  index: number,
  secrets: NatsSecrets,
  timeouts: StartTimeouts,
  track: Track,
): Promise<Child> {
  const { user, pass } = agentCredential(secrets, index);
  const child = await nodeService(
    `agent-${index}`,
    entryOf("agent"),
    [layout.agentConfig(index)],
    layout.agentDir(index),
    layout.log(`agent-${index}`),
    { SP_NATS_USER: user, SP_NATS_PASS: pass, ...agentMallocEnv(process.env) },
    agentNodeOptions(process.env),
  );
  track(child);
  await child.waitForLine(
    (line) => logField(line, "msg") === "sentinel-agent started",
    timeouts.service_ms,
    "'sentinel-agent started'",
  );
  return child;
}

export async function startVipManager(layout: Layout, timeouts: StartTimeouts, track: Track): Promise<Child> {
  const child = await nodeService(
    "vip-manager",
    entryOf("vip_manager"),
    ["--config", layout.vip_config],
    layout.vip_dir,
    layout.log("vip-manager"),
  );
  track(child);
  await child.waitForLine((line) => logField(line, "event") === "started", timeouts.service_ms, "started");
  return child;
}
