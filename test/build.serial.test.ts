// The compiled build (issue 16): `scripts/build.mjs` bundles each service and the CLI into dist/;
// every package is inlined (the bundles import node's own modules only); the compiled data-node
// and agent start from plain `node` (no tsx) against real redis-server and
// nats-server (the data-node's /healthz and /metrics answer), and the compiled CLI answers
// `--help` and `status` from them.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cp, readFile, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, LOOPBACK, repoRoot, withProcesses } from "@sentinel-plane/testkit";

const ROOT = repoRoot();
const STEP_MS = 60_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs plain node (no loader: a .ts import would fail) and collects its output. */
function runNode(args: readonly string[], timeout_ms: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      signal: AbortSignal.timeout(timeout_ms),
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

void test("the compiled services start under plain node and the compiled CLI reads them", async (t) => {
  const built = await runNode([join(ROOT, "scripts/build.mjs")], 120_000);
  assert.equal(built.code, 0, built.stderr);
  // Every package is inlined: a service bundle imports node's own modules only, so the image
  // needs no node_modules (compose/Dockerfile).
  for (const service of ["data-node", "sentinel-agent", "vip-manager"]) {
    const bundle = await readFile(join(ROOT, "services", service, "dist/main.js"), "utf8");
    const imported = new Set(
      [
        ...bundle.matchAll(
          /(?:^import\s[^;]*?\bfrom\s*|\b__require\(\s*|\bawait import\(\s*)["']([^"'\s]+)["']/gm,
        ),
      ].map((m) => m[1] ?? ""),
    );
    assert.ok(imported.size > 0, `${service}: no import found`);
    assert.deepEqual(
      [...imported].filter((name) => !isBuiltin(name)),
      [],
      `${service}'s bundle imports packages`,
    );
  }

  const help = await runNode([join(ROOT, "services/cli/dist/main.js"), "--help"], STEP_MS);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: sentinel-plane/);
  assert.match(help.stdout, /status/);

  await withProcesses(t, async (procs) => {
    // No users: the compiled build is under test here (NATS users have their own tests).
    // The services run from a copy of their dist/ outside the repository, as in the image: no
    // node_modules anywhere above them.
    const shipped = await procs.tempDir("shipped");
    for (const service of ["data-node", "sentinel-agent"]) {
      await cp(join(ROOT, "services", service, "dist"), join(shipped, service), { recursive: true });
    }
    const nats = await procs.startNats({ auth: false });
    const redis = await procs.prepareRedis({ name: "redis-0" });
    const cluster_id = `build${Math.floor(Math.random() * 1e9).toString(36)}`;
    const node_dir = await procs.tempDir("data-node");
    const node_config = join(node_dir, "data-node.json");
    await writeFile(
      node_config,
      JSON.stringify({
        node_id: "node-0",
        cluster_id,
        master_name: "mymaster",
        nats: { servers: [nats.url] },
        redis: { host: LOOPBACK, port: redis.port },
        mode: "supervise",
        redis_config_path: redis.config_path,
        state_dir: join(node_dir, "state"),
        poll_interval_ms: 100,
        probe_timeout_ms: 300,
      }),
    );
    const ops_port = await freePort();
    const data_node = await procs.spawnProcess({
      name: "compiled-data-node",
      command: process.execPath,
      args: [join(shipped, "data-node/main.js"), "--config", node_config],
      cwd: ROOT,
      env: { SP_METRICS_PORT: String(ops_port), SP_METRICS_HOST: LOOPBACK },
    });
    // The data-node starts redis-server itself: the harness kills that PID too at teardown (a
    // data-node SIGKILLed after its grace leaves its server running; seen as strays after CI).
    const started = await data_node.waitForLine((l) => l.includes('"event":"redis_started"'), {
      timeout_ms: STEP_MS,
    });
    const redis_pid = Number((JSON.parse(started) as { pid?: unknown }).pid);
    assert.ok(Number.isInteger(redis_pid) && redis_pid > 0, started);
    procs.adoptPid(redis_pid);
    await data_node.waitForLine((l) => l.includes('"event":"ops_listening"'), { timeout_ms: STEP_MS });
    const health = await fetch(`http://${LOOPBACK}:${ops_port}/healthz`);
    assert.equal(health.status, 200);
    const metrics = await (await fetch(`http://${LOOPBACK}:${ops_port}/metrics`)).text();
    assert.match(metrics, /^nodejs_heap_size_used_bytes \d+/m);

    const agent_dir = await procs.tempDir("agent");
    const rest_port = await freePort();
    const conf = join(agent_dir, "sentinel.conf");
    await writeFile(
      conf,
      [
        `port ${await freePort()}`,
        `bind ${LOOPBACK}`,
        `sentinel announce-ip ${LOOPBACK}`,
        `sentinel monitor mymaster ${LOOPBACK} ${redis.port} 1`,
        `sentinel-plane nats-servers ${nats.url}`,
        `sentinel-plane cluster-id ${cluster_id}`,
        `sentinel-plane state-dir ${agent_dir}`,
        `sentinel-plane rest-port ${rest_port}`,
        "",
      ].join("\n"),
    );
    const agent = await procs.spawnProcess({
      name: "compiled-agent",
      command: process.execPath,
      args: [join(shipped, "sentinel-agent/main.js"), conf],
      cwd: ROOT,
    });
    await agent.waitForLine((l) => l.includes('"msg":"sentinel-agent started"'), { timeout_ms: STEP_MS });

    const status = await runNode(
      [
        join(ROOT, "services/cli/dist/main.js"),
        "--agent",
        `http://${LOOPBACK}:${rest_port}`,
        "--json",
        "status",
      ],
      STEP_MS,
    );
    assert.equal(status.code, 0, status.stderr);
    const answer = JSON.parse(status.stdout) as { path: string; masters: { name: string }[] };
    assert.equal(answer.path, "rest");
    assert.deepEqual(
      answer.masters.map((m) => m.name),
      ["mymaster"],
    );
    // The console's files are read next to the bundle (scripts/build.mjs copies them).
    const page = await fetch(`http://${LOOPBACK}:${rest_port}/ui`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    // swagger-ui's files, inlined package and all: served from beside the bundle (dist/swagger-ui).
    const docs = await fetch(`http://${LOOPBACK}:${rest_port}/docs/static/index.html`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui/i);
    const spec = await fetch(`http://${LOOPBACK}:${rest_port}/docs/json`);
    assert.equal(spec.status, 200);
    // The agent's bundle inlines every npm package (minified): the OpenAPI document is served, a
    // route's validator and serialiser compile on first use (rest/lazy-compilers.ts), ioredis
    // probes the server.
    const openapi = (await (await fetch(`http://${LOOPBACK}:${rest_port}/openapi.json`)).json()) as {
      openapi: string;
    };
    assert.match(openapi.openapi, /^3\./);
    assert.equal((await fetch(`http://${LOOPBACK}:${rest_port}/docs/`)).status, 200);
    const refused = await fetch(`http://${LOOPBACK}:${rest_port}/v1/failovers?limit=0`);
    assert.equal(refused.status, 400);
    const failovers = await fetch(`http://${LOOPBACK}:${rest_port}/v1/failovers?limit=5`);
    assert.equal(failovers.status, 200);
    const clients = execFileSync("redis-cli", ["-h", LOOPBACK, "-p", String(redis.port), "CLIENT", "LIST"]);
    // (Redis 7.0 lists no lib-name/lib-ver, which ioredis reads from its package.json: 7.2 does.)
    assert.match(clients.toString(), /name=sentinel-plane-probe /);
  });
});
