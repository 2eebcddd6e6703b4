// Reads a sentinel.conf that a real Redis Sentinel (Debian's redis-sentinel 7.0) rewrote after it
// discovered a replica and another Sentinel; our writer must reproduce that file exactly, and
// Redis Sentinel must accept a file our writer produced.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { SentinelConfig } from "./model.js";
import { isValidMyid } from "./myid.js";
import type { ParsedConfig } from "./parse.js";
import { parseSentinelConf } from "./parse.js";
import { renderSentinelConf } from "./render.js";

const DEADLINE_MS = 30_000; // generous: a loaded 2-core machine; typically done in about 3 s
const POLL_MS = 50;

interface Proc {
  readonly child: ChildProcess;
  readonly output: () => string;
}

const procs: Proc[] = [];

function start(command: string, args: readonly string[]): Proc {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const proc = { child, output: () => output };
  procs.push(proc);
  return proc;
}

async function stop(proc: Proc): Promise<void> {
  const child = proc.child;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Free loopback ports, all held at once so they differ, then released for the servers. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<{ close: () => Promise<void>; port: number }>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          assert.ok(address !== null && typeof address === "object");
          resolve({
            port: address.port,
            close: () =>
              new Promise((r) =>
                server.close(() => {
                  r();
                }),
              ),
          });
        });
      });
    }),
  );
  await Promise.all(servers.map((s) => s.close()));
  return servers.map((s) => s.port);
}

function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      "redis-cli",
      ["-h", "127.0.0.1", "-p", String(port), ...args],
      { timeout: 2_000 },
      (_e, stdout) => {
        resolve(stdout);
      },
    );
  });
}

/** Polls an observable condition (no event exists for "Sentinel rewrote its file"). */
async function until(
  what: string,
  condition: () => Promise<boolean>,
  diagnostics: () => string,
): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${diagnostics()}`);
    await delay(POLL_MS);
  }
}

function parse(text: string, source: string): ParsedConfig {
  const r = parseSentinelConf(text, { source });
  if (!r.ok) assert.fail(`${r.error.message}\n--- file ---\n${text}`);
  return r.value;
}

void describe("a sentinel.conf written by a real Redis Sentinel", () => {
  let dir = "";
  let ports: number[] = [];
  let primary_port = 0;
  let replica_port = 0;
  const files: string[] = [];
  const texts: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sp-config-"));
    ports = await freePorts(5);
    const [p, r, s1, s2] = ports;
    assert.ok(p !== undefined && r !== undefined && s1 !== undefined && s2 !== undefined);
    primary_port = p;
    replica_port = r;
    const redis = (port: number, extra: string[]): Proc =>
      start("redis-server", [
        "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", dir, "--repl-diskless-sync-delay", "0", "--daemonize", "no", ...extra,
      ]); // prettier-ignore
    const primary = redis(p, []);
    const replica = redis(r, ["--replicaof", "127.0.0.1", String(p)]);
    // The replica must show in the primary's INFO before Sentinel's first INFO, or Sentinel
    // only learns of it 10 s later.
    await until(
      "the replica to attach",
      async () => (await redisCli(p, "info", "replication")).includes(`port=${r},`),
      () => primary.output() + replica.output(),
    );
    for (const port of [s1, s2]) {
      const file = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        file,
        [
          "# A minimal Sentinel, as an operator writes it",
          `port ${port}`,
          "bind 127.0.0.1",
          "daemonize no",
          `sentinel monitor mymaster 127.0.0.1 ${p} 2`,
          "sentinel down-after-milliseconds mymaster 5000",
          "sentinel failover-timeout mymaster 60000",
          "",
        ].join("\n"),
      );
      files.push(file);
      start("redis-sentinel", [file]);
    }
    // Each file gets myid and epochs at start, known-replica after the first INFO, and
    // known-sentinel after the other's first hello (every 2 s).
    await until(
      "both Sentinels to rewrite their files",
      async () => {
        const all = await Promise.all(files.map((f) => readFile(f, "utf8")));
        const ready = all.every(
          (t) =>
            t.includes(`sentinel known-replica mymaster 127.0.0.1 ${r}`) &&
            /^sentinel known-sentinel mymaster /m.test(t) &&
            /^sentinel myid /m.test(t),
        );
        if (ready) texts.splice(0, texts.length, ...all);
        return ready;
      },
      () => procs.map((x) => x.output()).join("\n"),
    );
    for (const proc of procs) await stop(proc);
    // The files as they are after the processes stopped (a final rewrite may have happened).
    texts.splice(0, texts.length, ...(await Promise.all(files.map((f) => readFile(f, "utf8")))));
  });

  after(async () => {
    for (const proc of procs) await stop(proc);
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  void it("parses, with Sentinel's myid, epochs, known replica and known sentinel", () => {
    const [a, b] = texts.map((t, i) => parse(t, files[i] ?? "")) as [ParsedConfig, ParsedConfig];
    for (const [mine, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const c: SentinelConfig = mine.config;
      assert.ok(c.myid !== null && isValidMyid(c.myid));
      assert.equal(c.current_epoch, 0);
      const m = c.masters[0];
      assert.ok(m);
      assert.equal(m.name, "mymaster");
      assert.deepEqual(m.address, { host: "127.0.0.1", port: primary_port });
      assert.equal(m.settings.quorum, 2);
      assert.equal(m.settings.down_after_ms, 5000);
      assert.equal(m.settings.failover_timeout_ms, 60000);
      assert.equal(m.config_epoch, 0);
      assert.deepEqual(m.known_replicas, [{ host: "127.0.0.1", port: replica_port }]);
      assert.deepEqual(
        m.known_sentinels.map((s) => s.id),
        [other.config.myid],
      );
    }
  });

  void it("renders the unchanged model back to Sentinel's own file, byte for byte", () => {
    for (const [i, text] of texts.entries()) {
      const p = parse(text, files[i] ?? "");
      assert.equal(renderSentinelConf(p.document, p.config), text);
    }
  });

  void it("round-trips: parse(render(parse(x))) equals parse(x)", () => {
    for (const text of texts) {
      const first = parse(text, "a");
      assert.deepEqual(parse(renderSentinelConf(first.document, first.config), "b").config, first.config);
    }
  });

  void it("writes a file that Redis Sentinel itself accepts after a change", async () => {
    const text = texts[0] ?? "";
    const first = parse(text, "a");
    const sentinel_port = ports[4] ?? 0;
    const changed: SentinelConfig = {
      ...first.config,
      server: first.config.server,
      masters: first.config.masters.map((m) => ({
        ...m,
        auth_pass: "a password with spaces",
        settings: { ...m.settings, down_after_ms: 7000 },
        known_replicas: [...m.known_replicas, { host: "127.0.0.2", port: replica_port }],
      })),
    };
    // Another port, so the copy does not collide with anything started above.
    const out = renderSentinelConf(first.document, changed).replace(/^port \d+$/m, `port ${sentinel_port}`);
    const file = join(dir, "ours.conf");
    await writeFile(file, out);
    const proc = start("redis-sentinel", [file]);
    await until(
      "Redis Sentinel to load our file",
      async () =>
        Promise.resolve(/\+monitor master mymaster/.test(proc.output()) || proc.child.exitCode !== null),
      () => proc.output(),
    );
    assert.equal(proc.child.exitCode, null, `redis-sentinel refused our file:\n${proc.output()}\n${out}`);
    const reply = await redisCli(sentinel_port, "sentinel", "master", "mymaster");
    await stop(proc);
    assert.match(reply, /^down-after-milliseconds\n7000$/m);
    assert.match(out, /^sentinel auth-pass mymaster "a password with spaces"$/m);
  });
});
