// TLS on every link, end to end (issue 14, item 4): TLS-only redis-servers (port 0, tls-port,
// tls-replication), a nats-server requiring verified client certificates, one agent with its
// Sentinel port over TLS only and REST over https, and the data-nodes; certificates from a
// throwaway CA made by openssl. A failover completes with all of it on, and clients reach the
// new primary through the Sentinel port over TLS.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { request as httpRequest } from "node:http";
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";
import {
  makeThrowawayCerts,
  readTlsMaterial,
  Redis,
  redisCliTlsArgs,
  redisTls,
} from "@sentinel-plane/runtime";
import type { TlsMaterial } from "@sentinel-plane/runtime";
import { freePort, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { DOWN_AFTER_MS, EVENT_TIMEOUT_MS, FAILOVER_TIMEOUT_MS } from "./support/agents.js";
import { eventually } from "./support/redis.js";

const run = promisify(execFile);

async function redisCli(port: number, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run("redis-cli", ["-p", String(port), ...args], { timeout: 10_000 });
    return `${stdout}${stderr}`.trim();
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`.trim();
  }
}

function get(url: string, ca: string | null): Promise<{ readonly status: number; readonly body: string }> {
  return new Promise((resolve, reject) => {
    const done = (res: IncomingMessage): void => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    };
    const req =
      ca === null
        ? httpRequest(url, { timeout: 5000 }, done)
        : httpsRequest(url, { ca, timeout: 5000 }, done);
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** A client of the master through the Sentinel port, TLS on both (ioredis' Sentinel mode). */
function sentinelClient(tls_port: number, material: TlsMaterial): Redis {
  const client = new Redis({
    sentinels: [{ host: "127.0.0.1", port: tls_port }],
    name: "mymaster",
    enableTLSForSentinelMode: true,
    sentinelTLS: redisTls(material),
    tls: redisTls(material),
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 1,
    sentinelRetryStrategy: () => 100,
    retryStrategy: () => 100,
    enableOfflineQueue: true,
    lazyConnect: true,
  });
  client.on("error", () => undefined);
  return client;
}

void test("TLS on every link: Sentinel port, REST, NATS and Redis; a failover completes", async (t) => {
  await withProcesses(t, async (procs) => {
    const certs = await makeThrowawayCerts(await procs.tempDir("tls"));
    const material = readTlsMaterial({
      ca_file: certs.ca_file,
      cert_file: certs.client_cert_file,
      key_file: certs.client_key_file,
    });
    if (!material.ok) assert.fail(material.error.message);
    const tls_port = await freePort();
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 1,
      quorum: 1,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      tls: certs,
      agent_lines: ["port 0", `tls-port ${tls_port}`, "tls-auth-clients yes", "sentinel-plane rest-tls yes"],
    });
    const [primary, replica] = cluster.redis;
    const agent = cluster.agents[0];
    assert.ok(primary && replica && agent);
    await cluster.waitForEvent((e) => e.name === "+unfence-master" && e.text.includes(` ${primary.port} `), {
      timeout_ms: EVENT_TIMEOUT_MS,
    });

    // The Sentinel port: TLS only, client certificates required.
    const cli_tls = redisCliTlsArgs(certs);
    assert.equal(await redisCli(tls_port, [...cli_tls, "PING"]), "PONG");
    assert.equal(
      await redisCli(tls_port, [...cli_tls, "SENTINEL", "get-master-addr-by-name", "mymaster"]),
      `127.0.0.1\n${primary.port}`,
    );
    assert.doesNotMatch(await redisCli(tls_port, ["--tls", "--cacert", certs.ca_file, "PING"]), /^PONG$/m);
    assert.doesNotMatch(await redisCli(agent.sentinel_port, ["PING"]), /^PONG$/m, "port 0: no plain port");

    // REST: https with the agent's certificate; plain http on that port gets no answer.
    const ca = readFileSync(certs.ca_file, "utf8");
    const masters = await get(`https://127.0.0.1:${agent.rest_port}/v1/masters`, ca);
    assert.equal(masters.status, 200);
    assert.match(masters.body, /mymaster/);
    await assert.rejects(get(`http://127.0.0.1:${agent.rest_port}/v1/masters`, null));

    // A client through the Sentinel port (TLS) to the primary (TLS-only redis-server).
    const client = sentinelClient(tls_port, material.value);
    t.after(() => {
      client.disconnect();
    });
    await client.connect();
    await eventually(
      "a write through the Sentinel port",
      async () => {
        await client.set("tls:before", "1"); // rejects while the primary is fenced or unreachable
        return true;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );

    // Failover: the primary dies; the agent probes over TLS, commands over NATS (TLS), the
    // data-node promotes over TLS.
    const info = await client.info("server");
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    assert.ok(pid > 0);
    procs.adoptPid(pid);
    const mark = cluster.events.length;
    process.kill(pid, "SIGKILL");
    await cluster.waitForEvent(
      (e) =>
        e.name === "+switch-master" &&
        e.text === `mymaster 127.0.0.1 ${primary.port} 127.0.0.1 ${replica.port}`,
      { timeout_ms: EVENT_TIMEOUT_MS, since_index: mark },
    );
    assert.equal(
      await redisCli(tls_port, [...cli_tls, "SENTINEL", "get-master-addr-by-name", "mymaster"]),
      `127.0.0.1\n${replica.port}`,
    );
    await eventually(
      "a write to the new primary through the Sentinel port",
      async () => {
        try {
          await client.set("tls:after", "1");
          return true;
        } catch {
          return null;
        }
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );
    assert.equal(
      await client.get("tls:before"),
      "1",
      "the write before the failover was replicated over TLS",
    );
  });
});
