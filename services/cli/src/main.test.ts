// The command line as a user runs it (the bin, a child process) against a stand-in for an agent's
// REST API (an HTTP server answering the documented shapes: no Redis or NATS involved).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/sentinel-plane.mjs", import.meta.url));
const MASTER = {
  name: "mymaster",
  address: { host: "127.0.0.1", port: 7000 },
  config_epoch: 1,
  flags: ["master"],
  quorum: 2,
  failover: null,
};
const REPLICAS = {
  replicas: [
    // Healthy: the data-node's fenced mark on a replica is not news.
    {
      address: { host: "127.0.0.1", port: 7001 },
      role: "slave",
      link_status: "up",
      offset: 10,
      lag_bytes: 0,
      lag_s: 0,
      priority: 100,
      flags: ["slave", "fenced"],
    },
    // Killed: its last INFO said up; the agent sees it down.
    {
      address: { host: "127.0.0.1", port: 7002 },
      role: "slave",
      link_status: "up",
      offset: 10,
      lag_bytes: null,
      lag_s: null,
      priority: 100,
      flags: ["slave", "s_down", "disconnected", "fenced"],
    },
  ],
};
const FAILOVERS = {
  failovers: [
    {
      master: "mymaster",
      epoch: 2,
      leader: "a".repeat(40),
      started_at_ms: 1_700_000_000_000,
      ended_at_ms: 1_700_000_000_800,
      duration_ms: 800,
      outcome: "end",
      from: { host: "127.0.0.1", port: 6999 },
      to: { host: "127.0.0.1", port: 7000 },
      events: [
        {
          name: "+switch-master",
          text: "mymaster 127.0.0.1 6999 127.0.0.1 7000",
          at_ms: 0,
          since_start_ms: 700,
        },
      ],
      events_dropped: 0,
    },
  ],
};

/** The User-Agent of every request the fake agents answered (the audit log records it). */
const user_agents: string[] = [];

function answer(req: IncomingMessage, res: ServerResponse, seen: string[]): void {
  seen.push(`${req.method ?? ""} ${req.url ?? ""}`);
  user_agents.push(req.headers["user-agent"] ?? "");
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const url = req.url ?? "";
  const routes: Record<string, unknown> = {
    "GET /v1/masters": { masters: [MASTER] },
    "GET /v1/masters/mymaster": MASTER,
    "GET /v1/masters/mymaster/replicas": REPLICAS,
    "GET /v1/masters/mymaster/agents": { agents: [] },
    "GET /v1/failovers": FAILOVERS,
    "GET /v1/history": { failovers: FAILOVERS.failovers.map((f) => ({ seq: 3, ...f })), next_before: null },
    "POST /v1/masters/mymaster/reset": { ok: true, reset: 1 },
    "GET /v1/audit": {
      entries: [
        {
          seq: 8,
          agent: "a".repeat(40),
          at_ms: 1_700_000_000_000,
          channel: "rest",
          who: { address: "127.0.0.1:40000", principal: "operate token sha256:0badcafe", client: "x" },
          action: "POST /v1/masters/:name/reset",
          args: ["mymaster"],
          master: "mymaster",
          outcome: "ok",
          detail: null,
        },
      ],
      next_before: 8,
    },
  };
  const body = routes[`${req.method ?? ""} ${url.split("?")[0] ?? ""}`];
  if (body !== undefined) {
    json(200, body);
    return;
  }
  json(404, { status: 404, code: "SP_ERR_NOT_FOUND", detail: `no route ${url}` });
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = { ...process.env };
  delete clean["NO_COLOR"];
  delete clean["SENTINEL_PLANE_TOKEN"];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...clean, ...env }, timeout: 180_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function fakeAgent(
  t: { after: (fn: () => void) => void },
  seen: string[],
  on_request: () => void = () => undefined,
): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      answer(req, res, seen);
      on_request();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

void test("status --watch: reads until Ctrl-C, a block per change in a pipe, then exits 0", async (t) => {
  const seen: string[] = [];
  let third_read: () => void = () => undefined;
  const read_thrice = new Promise<void>((resolve) => {
    third_read = resolve;
  });
  const agent = await fakeAgent(t, seen, () => {
    if (seen.filter((s) => s === "GET /v1/masters").length >= 3) third_read();
  });
  const child = spawn(
    process.execPath,
    [BIN, "--agent", agent, "--timeout-ms", "60000", "--json", "status", "--watch", "--interval-ms", "100"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  const first = new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await first;
  // Several readings happen (the reads repeat) before the stop.
  await read_thrice;
  child.kill("SIGINT");
  assert.equal(await exited, 0);
  const lines = out.trim().split("\n");
  // The topology did not change: one block, not one per reading.
  assert.equal(lines.length, 1, out);
  assert.equal((JSON.parse(lines[0] ?? "") as { masters: { name: string }[] }).masters[0]?.name, "mymaster");
});

void test("sentinel-plane against an agent's API: version, usage errors, status, history, reset", async (t) => {
  const seen: string[] = [];
  const agent = await fakeAgent(t, seen);

  const [version, usage, missing, nope, status, history, reset] = await Promise.all([
    cli(["--version"]),
    cli(["statuss"]),
    cli(["failover"]),
    cli(["--agent", agent, "--timeout-ms", "60000", "status", "--master", "nope"]),
    cli(["--agent", agent, "--timeout-ms", "60000", "status"]),
    cli(["--agent", agent, "--timeout-ms", "60000", "history", "--events"]),
    cli([
      "--agent",
      agent,
      "--timeout-ms",
      "60000",
      "--token",
      "t0ken-0123456789abcdef",
      "reset",
      "mymaster",
    ]),
  ]);

  assert.equal(version.code, 0);
  assert.match(version.stdout, /^sentinel-plane \d+\.\d+\.\d+\n$/);

  for (const run of [usage, missing]) {
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, "", "a usage error prints no help on stdout");
    const lines = run.stderr.trim().split("\n");
    assert.ok(lines.length <= 3, `a usage error is short:\n${run.stderr}`);
    assert.match(run.stderr, /--help/);
  }
  assert.match(usage.stderr, /unknown command 'statuss'/);
  assert.match(missing.stderr, /missing required argument 'name'/);

  assert.equal(nope.code, 1, nope.stdout + nope.stderr);
  assert.match(nope.stderr, /SP_ERR_UNKNOWN_MASTER: no master named nope \(monitored: mymaster\)/);

  assert.equal(status.code, 0, status.stderr);
  // eslint-disable-next-line no-control-regex -- no colour in a pipe
  assert.doesNotMatch(status.stdout, /\x1b\[/);
  assert.doesNotMatch(status.stdout, /fenced/);
  assert.match(status.stdout, /127\.0\.0\.1:7001\s+up\s+10\s+0 B \/ 0 s\s+100\s+slave\n/);
  assert.match(status.stdout, /127\.0\.0\.1:7002\s+down\s+10\s+-\s+100\s+slave,s_down,disconnected/);

  assert.equal(history.code, 0, history.stderr);
  assert.match(history.stdout, /mymaster\s+2\s+127\.0\.0\.1:6999\s+127\.0\.0\.1:7000\s+end\s+800 ms/);
  assert.match(history.stdout, /\+ {3}700 ms {2}\+switch-master/);

  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /reset mymaster: done by http:\/\/127\.0\.0\.1:\d+/);
  assert.ok(seen.includes("POST /v1/masters/mymaster/reset"), seen.join("\n"));
});

void test("failover --force posts {force: true} (REST only); without it, no body", async (t) => {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      bodies.push(`${req.method ?? ""} ${req.url ?? ""} ${body}`);
      res.writeHead(202, { "content-type": "application/json" });
      res.end(JSON.stringify({ accepted: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const agent = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const common = ["--agent", agent, "--timeout-ms", "60000", "--token", "t0ken-0123456789abcdef"];
  const forced = await cli([...common, "failover", "mymaster", "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  const plain = await cli([...common, "failover", "mymaster"]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(bodies, [
    'POST /v1/masters/mymaster/failover {"force":true}',
    "POST /v1/masters/mymaster/failover ",
  ]);
});

void test("audit: pages with --before, prints the next cursor; the CLI names itself to the agent", async (t) => {
  const seen: string[] = [];
  const agent = await fakeAgent(t, seen);
  const run = await cli([
    "--agent",
    agent,
    "--timeout-ms",
    "60000",
    "audit",
    "--limit",
    "5",
    "--before",
    "9",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(seen.includes("GET /v1/audit?limit=5&before=9"), seen.join(", "));
  assert.match(
    run.stdout,
    /8\s+2023-11-14 22:13:20\s+rest\s+operate token sha256:0badcafe\s+127\.0\.0\.1:40000/,
  );
  assert.match(run.stdout, /POST \/v1\/masters\/:name\/reset mymaster\s+ok/);
  assert.match(run.stdout, /older: sentinel-plane audit --before 8/);
  assert.ok(
    user_agents.length > 0 && user_agents.every((u) => /^sentinel-plane-cli \(.+@.+\)$/.test(u)),
    user_agents.join(", "),
  );
});
