// The Sentinel port's users against a real agent (issue 14 items 3 and 5): redis-cli and ioredis
// with missing, wrong and right credentials get Redis's exact errors; a read user cannot change
// anything, an operate user can fail over but not reconfigure, the admin can do all of it (and
// its ACL SETUSER is written into sentinel.conf); a connection that never authenticates is closed.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import { test } from "node:test";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import { discovered, writable } from "./support/agents.js";

const run = promisify(execFile);

const NOAUTH = "NOAUTH Authentication required.";
const WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
const noperm = (command: string): string =>
  `NOPERM this user has no permissions to run the '${command}' command`;

/** redis-cli's output (stdout and stderr) whatever its exit code: refusals are the point here. */
async function redisCli(port: number, auth: readonly string[], ...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(
      "redis-cli",
      ["-p", String(port), "--no-auth-warning", ...auth, ...args],
      { timeout: 5000 },
    );
    return `${stderr}${stdout}`.trim();
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stderr ?? ""}${failed.stdout ?? ""}`.trim();
  }
}

function ioredis(port: number, username: string | undefined, password: string): Redis {
  return new Redis({
    host: "127.0.0.1",
    port,
    ...(username === undefined ? {} : { username }),
    password,
    connectTimeout: 5000,
    commandTimeout: 5000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: () => null,
  });
}

void test("Sentinel-port users: Redis's errors, roles read/operate/admin, idle unauthenticated connections closed", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 1,
      quorum: 1,
      down_after_ms: 1000,
      failover_timeout_ms: 10_000,
      agent_lines: [
        "requirepass adminpw",
        "user reader on >readpw +@sp-read",
        "user ops on >opspw +@sp-operate",
        "sentinel-plane unauthenticated-timeout 1",
      ],
    });
    const [primary] = cluster.redis;
    const [agent] = cluster.agents;
    assert.ok(primary && agent);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const port = agent.sentinel_port;
    const name = cluster.master_name;
    const reader = ["--user", "reader", "--pass", "readpw"];
    const admin = ["-a", "adminpw"];

    // Missing and wrong credentials.
    assert.equal(await redisCli(port, [], "SENTINEL", "MASTERS"), NOAUTH);
    assert.equal(
      await redisCli(port, ["--user", "reader", "--pass", "nope"], "PING"),
      `AUTH failed: ${WRONGPASS}\n${NOAUTH}`,
    );
    const wrong = ioredis(port, "ops", "nope");
    // ioredis reports the AUTH refusal as an `error` event, then closes the connection.
    const refused = new Promise<string>((resolve) =>
      wrong.once("error", (error: Error) => {
        resolve(error.message);
      }),
    );
    await assert.rejects(wrong.connect());
    assert.equal(await refused, WRONGPASS);
    wrong.disconnect();

    // read: reads, and nothing else.
    assert.equal(
      await redisCli(port, reader, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name),
      `127.0.0.1\n${primary.port}`,
    );
    assert.equal(
      await redisCli(port, reader, "SENTINEL", "SET", name, "quorum", "1"),
      noperm("sentinel|set"),
    );
    assert.equal(
      await redisCli(port, reader, "SENTINEL", "MONITOR", "other", "127.0.0.1", "1", "1"),
      noperm("sentinel|monitor"),
    );
    assert.equal(await redisCli(port, reader, "SENTINEL", "REMOVE", name), noperm("sentinel|remove"));
    assert.equal(await redisCli(port, reader, "SENTINEL", "FAILOVER", name), noperm("sentinel|failover"));
    // A Sentinel client library with the read user finds the primary and writes to it.
    const app = new Redis({
      sentinels: [{ host: "127.0.0.1", port }],
      name,
      sentinelUsername: "reader",
      sentinelPassword: "readpw",
      connectTimeout: 5000,
      commandTimeout: 5000,
      sentinelMaxConnections: 1,
      maxRetriesPerRequest: 1,
      sentinelRetryStrategy: () => null,
    });
    t.after(() => {
      app.disconnect();
    });
    assert.equal(await app.set("through-sentinel", "1"), "OK");

    // operate: fails over, cannot reconfigure.
    const ops = ioredis(port, "ops", "opspw");
    t.after(() => {
      ops.disconnect();
    });
    await ops.connect();
    await assert.rejects(ops.call("SENTINEL", "SET", name, "quorum", "1"), (error: Error) => {
      return error.message === noperm("sentinel|set");
    });
    assert.equal(await ops.call("SENTINEL", "FAILOVER", name), "OK");
    await cluster.waitForEvent((e) => e.name === "+switch-master", { timeout_ms: 30_000 });

    // admin (the default user with requirepass): everything, ACL included, written to the file.
    assert.equal(await redisCli(port, admin, "SENTINEL", "SET", name, "quorum", "1"), "OK");
    assert.equal(await redisCli(port, admin, "ACL", "SETUSER", "later", "on", ">laterpw", "+@sp-read"), "OK");
    assert.match(
      await readFile(agent.config_path, "utf8"),
      /^user later on #[0-9a-f]{64} resetchannels -@all \+@sp-read$/m,
    );
    assert.equal(await redisCli(port, ["--user", "later", "--pass", "laterpw"], "ACL", "WHOAMI"), "later");

    // A socket that never authenticates is closed after `unauthenticated-timeout` (1 s here).
    const idle = connect({ host: "127.0.0.1", port });
    idle.on("error", () => undefined);
    const closed = await Promise.race([
      new Promise<boolean>((resolve) =>
        idle.once("close", () => {
          resolve(true);
        }),
      ),
      new Promise<boolean>((resolve) =>
        setTimeout(() => {
          resolve(false);
        }, 15_000).unref(),
      ),
    ]);
    idle.destroy();
    assert.equal(closed, true, "an unauthenticated connection was still open 15 s later");
  });
});
