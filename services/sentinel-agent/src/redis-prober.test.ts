// The prober against real redis-server processes: what a probe on a fresh, a refused and a hung
// link returns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withProcesses } from "@sentinel-plane/testkit";
import { RedisProber } from "./redis-prober.js";

function prober(): RedisProber {
  return new RedisProber({
    instances_max: 8,
    connect_timeout_ms: 2000,
    reconnect_max_ms: 200,
    auth_for: () => ({}),
  });
}

void test("the first INFO and PING on a link still connecting get their replies", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "fresh" });
    const target = { host: "127.0.0.1", port: server.port };
    const p = prober();
    procs.onCleanup(() => {
      p.close();
    });
    // Both probes go out before the connection exists, as the first tick after a discovery does.
    const [info, ping] = await Promise.all([p.probe(target, "info", 5000), p.probe(target, "ping", 5000)]);
    assert.ok(info.ok && info.kind === "info", `INFO failed: ${JSON.stringify(info)}`);
    assert.equal(info.info.role, "master");
    assert.deepEqual(ping, { kind: "ping", ok: true, reply: "PONG" });
  });
});

void test("a port nobody listens on fails the probe with the connection error, well before its deadline", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "gone" });
    const target = { host: "127.0.0.1", port: server.port };
    await server.stop();
    const p = prober();
    procs.onCleanup(() => {
      p.close();
    });
    const result = await p.probe(target, "ping", 60_000);
    assert.ok(!result.ok, "a refused connection is not an answer");
    assert.match(result.error, /ECONNREFUSED/);
  });
});

void test("a server paused (SIGSTOP) past a probe's deadline answers again once resumed (SIGCONT)", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "paused" });
    const target = { host: "127.0.0.1", port: server.port };
    const p = prober();
    procs.onCleanup(() => {
      p.close();
    });
    assert.deepEqual(await p.probe(target, "ping", 5000), { kind: "ping", ok: true, reply: "PONG" });
    server.kill("SIGSTOP");
    // Several timed-out probes, as while down-after-milliseconds runs: each drops the link that
    // was up when it started (a link that connected during one is kept until the next times out).
    for (let i = 0; i < 3; i += 1) {
      const hung = await p.probe(target, "ping", 300);
      assert.ok(!hung.ok, "a paused server does not answer");
    }
    server.kill("SIGCONT");
    // Probes go out one after the other as the agent sends them; the link must come back. Each
    // failed probe is the reconnection still under way (back-off at most 200 ms here).
    const results: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const r = await p.probe(target, "ping", 500);
      if (r.ok) return;
      results.push(r.error);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the agent's PING period
    }
    assert.fail(`never answered again after SIGCONT: ${results.slice(-3).join(" | ")}`);
  });
});

void test("PING and INFO probes timing out together on a paused server: the link comes back after SIGCONT", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "paused-both" });
    const target = { host: "127.0.0.1", port: server.port };
    const p = prober();
    procs.onCleanup(() => {
      p.close();
    });
    assert.deepEqual(await p.probe(target, "ping", 5000), { kind: "ping", ok: true, reply: "PONG" });
    // As the agent sends them: a PING every 100 ms and an INFO every second, each at most one
    // outstanding, 500 ms deadline. The link times out while connecting again (its CLIENT SETNAME
    // unanswered), which left the ioredis client "ready" on a closed stream for good.
    // Fields, not locals: the loops read them across awaits.
    const run = { resumed: false, done: false };
    const errors: string[] = [];
    const pinger = (async (): Promise<boolean> => {
      while (!run.done) {
        const r = await p.probe(target, "ping", 500);
        if (run.resumed && r.ok) return true;
        if (run.resumed && !r.ok) errors.push(r.error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    })();
    const infos = (async (): Promise<void> => {
      while (!run.done) {
        await p.probe(target, "info", 500);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    server.kill("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 3000)); // several deadlines pass
    server.kill("SIGCONT");
    run.resumed = true;
    // 10 s: 20 deadlines and 50 reconnection back-offs; a healthy link needs one.
    const timer = setTimeout(() => {
      run.done = true;
    }, 10_000);
    const answered = await pinger;
    clearTimeout(timer);
    run.done = true;
    await infos;
    assert.ok(answered, `never answered again after SIGCONT: ${errors.slice(-2).join(" | ")}`);
  });
});

void test("a probe link is named in CLIENT LIST and sends no CLIENT SETINFO", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "named-link" });
    const admin = await server.client();
    // Redis 7.0 refuses CLIENT SETINFO (an error reply, counted in errorstats); 7.2+ shows what
    // it set as lib-name/lib-ver in CLIENT LIST. Either way the probe link must leave no trace.
    const errors_before = await admin.info("errorstats");
    const p = prober();
    procs.onCleanup(() => {
      p.close();
    });
    // PING's reply follows CLIENT SETNAME's on the same link: once it is in, the name is set.
    const ping = await p.probe({ host: "127.0.0.1", port: server.port }, "ping", 5000);
    assert.deepEqual(ping, { kind: "ping", ok: true, reply: "PONG" });
    const list = String(await admin.client("LIST"));
    const named = list.split("\n").filter((line) => line.includes(" name=sentinel-plane-probe "));
    assert.equal(named.length, 1, list);
    const line = named[0] ?? "";
    if (line.includes(" lib-name=")) assert.match(line, / lib-name= lib-ver= /, line);
    assert.equal(await admin.info("errorstats"), errors_before, "the probe link got an error reply");
  });
});

void test("rename-command: the probe sends the command's new name (an unknown one fails it)", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "renamed" });
    const target = { host: "127.0.0.1", port: server.port };
    const renamed = { PING: "PING", INFO: "INFO" };
    const p = new RedisProber({
      instances_max: 8,
      connect_timeout_ms: 2000,
      reconnect_max_ms: 200,
      auth_for: () => ({}),
      command_name: (_target, command) => renamed[command],
    });
    procs.onCleanup(() => {
      p.close();
    });
    assert.deepEqual(await p.probe(target, "ping", 5000), { kind: "ping", ok: true, reply: "PONG" });
    renamed.PING = "PONG"; // Redis's suite, 07-down-conditions: the server knows no PONG
    const refused = await p.probe(target, "ping", 5000);
    assert.ok(!refused.ok && /unknown command 'PONG'/.test(refused.error), JSON.stringify(refused));
    renamed.INFO = "NOSUCHINFO";
    assert.ok(!(await p.probe(target, "info", 5000)).ok);
    renamed.PING = "ECHO"; // a name the server knows: its reply is the server's, not PONG
    assert.ok(!(await p.probe(target, "ping", 5000)).ok, "ECHO without its argument is an error");
    renamed.PING = "ping";
    assert.deepEqual(await p.probe(target, "ping", 5000), { kind: "ping", ok: true, reply: "PONG" });
  });
});

void test("a link to a hostname tells the address the name reached (announce-hostnames no)", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "named" });
    const p = prober();
    procs.onCleanup(() => {
      p.close();
    });
    assert.equal(p.resolvedIp("localhost"), null, "no link yet");
    const result = await p.probe({ host: "localhost", port: server.port }, "ping", 5000);
    assert.ok(result.ok, JSON.stringify(result));
    assert.ok(
      ["127.0.0.1", "::1"].includes(p.resolvedIp("localhost") ?? ""),
      String(p.resolvedIp("localhost")),
    );
  });
});

void test("a link made with credentials that no longer apply is replaced: the next probe logs in with the current ones", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "acl" });
    const target = { host: "127.0.0.1", port: server.port };
    const admin = await server.client();
    procs.onCleanup(() => {
      admin.disconnect();
    });
    // Redis's suite, 03-runtime-reconf: the instances need an ACL user, the sentinels are given it.
    await admin.call("ACL", "SETUSER", "probe-user", "on", ">secret", "allchannels", "+@all");
    let auth: { username?: string; password?: string } = { username: "probe-user", password: "secret" };
    const p = new RedisProber({
      instances_max: 8,
      connect_timeout_ms: 2000,
      reconnect_max_ms: 200,
      auth_for: () => auth,
    });
    procs.onCleanup(() => {
      p.close();
    });
    assert.deepEqual(await p.probe(target, "ping", 5000), { kind: "ping", ok: true, reply: "PONG" });
    // The user is deleted (its connections closed) and the master monitored again without it.
    await admin.call("ACL", "DELUSER", "probe-user");
    auth = {};
    const info = await p.probe(target, "info", 5000);
    assert.ok(info.ok, `INFO with the current (no) credentials: ${JSON.stringify(info)}`);
    assert.deepEqual(await p.probe(target, "ping", 5000), { kind: "ping", ok: true, reply: "PONG" });
  });
});
