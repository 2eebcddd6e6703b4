// `docker compose config` validates compose/docker-compose.yml (no container engine needed). The
// docker CLI and its compose v2 plugin are required: when the plugin is missing and we are root,
// compose/install-compose-plugin.sh installs it first; otherwise the test fails and says how to
// get it. It never skips.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const COMPOSE_DIR = join(ROOT, "compose");
const TOKEN = "compose-config-test-token";
/** The data-nodes' failsafe token: the agents take it as a REST token of the lease role. */
const LEASE_TOKEN = "compose-config-lease-token";
/** One failsafe token per data host, each bound to its data-node by the agents. */
const LEASE_TOKENS = {
  SP_LEASE_TOKEN_1: `${LEASE_TOKEN}-1`,
  SP_LEASE_TOKEN_2: `${LEASE_TOKEN}-2`,
  SP_LEASE_TOKEN_3: `${LEASE_TOKEN}-3`,
};
/** Every NATS user's password variable (compose/config/nats.conf), required as the token is. */
const NATS_PASSWORDS: Readonly<Record<string, string>> = Object.fromEntries(
  [
    "SP_NATS_PASS_ADMIN",
    ...["AGENT", "DATA_NODE", "VIP_MANAGER"].flatMap((kind) =>
      [1, 2, 3].map((n) => `SP_NATS_PASS_${kind}_${n}`),
    ),
    // The agents' Sentinel-port password (requirepass), required as the NATS ones are.
    "SP_SENTINEL_PASS",
  ].map((name) => [name, `${name.toLowerCase()}-test-password`]),
);

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly missing: boolean;
}

function run(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: COMPOSE_DIR, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const missing = error !== null && (error as NodeJS.ErrnoException).code === "ENOENT";
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stdout, stderr, missing });
      },
    );
  });
}

/** `docker compose` ready to use, or a failure that says what is missing. */
async function requireCompose(diagnostic: (text: string) => void): Promise<void> {
  const docker = await run("docker", ["--version"]);
  assert.ok(
    !docker.missing,
    "the docker CLI is not installed: the compose file cannot be validated (install docker-ce-cli or docker.io)",
  );
  if ((await run("docker", ["compose", "version"])).code === 0) return;
  if (process.getuid?.() === 0) {
    diagnostic("docker compose v2 plugin missing: running compose/install-compose-plugin.sh");
    const installed = await run("bash", [join(COMPOSE_DIR, "install-compose-plugin.sh")]);
    diagnostic(installed.stdout.trim());
    assert.equal(installed.code, 0, `install-compose-plugin.sh failed: ${installed.stderr}`);
  }
  const again = await run("docker", ["compose", "version"]);
  assert.equal(
    again.code,
    0,
    "`docker compose` (the v2 plugin) is missing: run `sudo bash compose/install-compose-plugin.sh`",
  );
}

void test("docker compose config validates compose/docker-compose.yml", async (t) => {
  await requireCompose((text) => {
    t.diagnostic(text);
  });
  const checked = await run("docker", ["compose", "-f", "docker-compose.yml", "config", "--format", "json"], {
    ...NATS_PASSWORDS,
    SP_REST_TOKEN: TOKEN,
    ...LEASE_TOKENS,
  });
  assert.equal(checked.code, 0, `docker compose config failed:\n${checked.stderr}`);
  const config = JSON.parse(checked.stdout) as {
    services: Record<
      string,
      {
        network_mode?: string;
        healthcheck?: unknown;
        init?: boolean;
        command?: string[];
        environment?: Record<string, string>;
      }
    >;
  };
  const services = Object.keys(config.services).sort();
  // The otel collector is behind a profile: not in the default set.
  assert.deepEqual(services, [
    "agent-1",
    "agent-2",
    "agent-3",
    "nats-1",
    "nats-2",
    "nats-3",
    "redis-1",
    "redis-2",
    "redis-3",
    "vip-manager-1",
    "vip-manager-2",
    "vip-manager-3",
  ]);
  for (const host of [1, 2, 3]) {
    // A data host: the data-node supervising redis-server in one container (the crash fast
    // path), under an init; its vip-manager in the same network namespace.
    const redis = config.services[`redis-${host}`];
    assert.deepEqual(redis?.command, ["data-node", "--config", "/etc/sentinel-plane/data-node.json"]);
    assert.equal(redis.init, true);
    assert.equal(redis.environment?.["SP_FAILSAFE_TOKEN"], `${LEASE_TOKEN}-${host}`);
    assert.equal(redis.environment["SP_NATS_USER"], `node-redis-${host}`);
    assert.equal(config.services[`vip-manager-${host}`]?.network_mode, `service:redis-${host}`);
    assert.equal(
      config.services[`agent-${host}`]?.environment?.["SP_REST_TOKEN"],
      `${TOKEN},${[1, 2, 3].map((n) => `${LEASE_TOKEN}-${n}:lease:redis-${n}`).join(",")}`,
    );
    assert.equal(
      config.services[`agent-${host}`]?.environment?.["SP_REQUIREPASS"],
      NATS_PASSWORDS["SP_SENTINEL_PASS"],
    );
  }
  for (const name of ["nats-1", "redis-1", "agent-1"]) {
    assert.ok(config.services[name]?.healthcheck !== undefined, `${name} has no health check`);
  }
});

void test("docker compose config with the otel profile adds the collector", async (t) => {
  await requireCompose((text) => {
    t.diagnostic(text);
  });
  const checked = await run(
    "docker",
    ["compose", "-f", "docker-compose.yml", "--profile", "otel", "config", "--services"],
    { ...NATS_PASSWORDS, SP_REST_TOKEN: TOKEN, ...LEASE_TOKENS },
  );
  assert.equal(checked.code, 0, checked.stderr);
  assert.ok(checked.stdout.split("\n").includes("otel-collector"));
});

void test("docker compose config refuses to run without a REST token", async (t) => {
  await requireCompose((text) => {
    t.diagnostic(text);
  });
  // `${SP_REST_TOKEN:?...}` refuses an empty value as it refuses an unset one.
  const checked = await run("docker", ["compose", "-f", "docker-compose.yml", "config", "-q"], {
    ...NATS_PASSWORDS,
    SP_REST_TOKEN: "",
    ...LEASE_TOKENS,
  });
  assert.notEqual(checked.code, 0);
  assert.match(checked.stderr, /SP_REST_TOKEN/);
});

void test("docker compose config refuses to run without the failsafe's lease token", async (t) => {
  await requireCompose((text) => {
    t.diagnostic(text);
  });
  const checked = await run("docker", ["compose", "-f", "docker-compose.yml", "config", "-q"], {
    ...NATS_PASSWORDS,
    SP_REST_TOKEN: TOKEN,
    ...LEASE_TOKENS,
    SP_LEASE_TOKEN_2: "",
  });
  assert.notEqual(checked.code, 0);
  assert.match(checked.stderr, /SP_LEASE_TOKEN_2/);
});
