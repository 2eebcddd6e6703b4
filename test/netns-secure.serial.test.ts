// A failover and a switchover with all of issue 14 turned on, on namespace hosts: NATS users with
// their roles' permissions over TLS (client certificates verified), TLS-only redis-servers with
// replication over TLS, TLS-only Sentinel ports with requirepass and ACL users, REST over https
// with tokens of two roles. h1..h3 run redis-server + data-node + agent, h4 nats-server, and every
// client command runs in c1 (no 10.x packet leaves the lab).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  NATS_PORT,
  NetnsCluster,
  REDIS_PORT,
  REST_PORT,
  SENTINEL_PORT,
} from "@sentinel-plane/testkit/netns-cluster";
import type { LabSecurity, NetnsDataHost } from "@sentinel-plane/testkit/netns-cluster";

const SUBNET = "10.93.0";
const PREFIX = "secnsx";
/** Safety deadline for each step on a loaded 2-core machine (not a timing assertion). */
const STEP_TIMEOUT_MS = 30_000;

let started: NetnsCluster | null = null;
/** Where the failover put the primary (set by the failover test, used by the switchover). */
let current: NetnsDataHost | null = null;

before(async () => {
  started = await NetnsCluster.start({
    subnet: SUBNET,
    prefix: `${PREFIX}${Math.floor(Math.random() * 36 ** 2).toString(36)}`,
    down_after_ms: 1000,
    failover_timeout_ms: 10_000,
    vip: null,
    secure: true,
  });
  await started.ready(STEP_TIMEOUT_MS * 2);
});

after(async () => {
  await started?.teardown();
});

function lab(): { readonly cluster: NetnsCluster; readonly security: LabSecurity } {
  assert.ok(started !== null, "the cluster did not start");
  const security = started.security;
  assert.ok(security !== null, "started with secure: true");
  return { cluster: started, security };
}

/** redis-cli from c1 (exit status and both streams, as a client sees them). */
async function cli(address: string, port: number, args: readonly string[]): Promise<string> {
  const { cluster } = lab();
  const result = await cluster.lab.exec(
    cluster.client_host,
    ["redis-cli", "-h", address, "-p", String(port), ...args],
    10_000,
  );
  return `${result.stdout}${result.stderr}`.trim();
}

/** The Sentinel port of a host's agent over TLS, logged in as `user` (null: not logged in). */
function sentinel(
  host: NetnsDataHost,
  user: { readonly user: string; readonly pass: string } | null,
  args: readonly string[],
): Promise<string> {
  const { cluster } = lab();
  const auth = user === null ? [] : ["--user", user.user, "--pass", user.pass, "--no-auth-warning"];
  return cli(host.address, SENTINEL_PORT, [...cluster.cliTlsArgs(), ...auth, ...args]);
}

/** An https request to a host's agent from c1 with curl; the status code and the body. */
async function rest(
  host: NetnsDataHost,
  method: string,
  path: string,
  token: string | null,
): Promise<{ readonly status: number; readonly body: string }> {
  const { cluster, security } = lab();
  const argv = [
    "curl",
    "-sS",
    "--max-time",
    "10",
    "--cacert",
    security.certs.ca_file,
    "-X",
    method,
    ...(token === null ? [] : ["-H", `Authorization: Bearer ${token}`]),
    "-w",
    "\n%{http_code}",
    `https://${host.address}:${REST_PORT}${path}`,
  ];
  const result = await cluster.lab.execChecked(cluster.client_host, argv, 15_000);
  const lines = result.stdout.split("\n");
  return { status: Number(lines.pop()), body: lines.join("\n") };
}

/** Every agent names `primary` on its Sentinel port (read-only user, TLS). */
async function agentsName(primary: NetnsDataHost): Promise<void> {
  const { cluster, security } = lab();
  for (const host of cluster.hosts) {
    const until_ms = performance.now() + STEP_TIMEOUT_MS;
    for (;;) {
      const reply = await sentinel(host, security.sentinel_read, [
        "SENTINEL",
        "GET-MASTER-ADDR-BY-NAME",
        cluster.master_name,
      ]);
      if (reply.split("\n")[0] === primary.address) break;
      assert.ok(performance.now() < until_ms, `${host.name}'s agent still answers ${reply}`);
      // Polled: the Sentinel port has no push of its own view here.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** A write from c1 over TLS to a host's Redis. */
async function write(host: NetnsDataHost, key: string): Promise<string> {
  const { cluster } = lab();
  return cli(host.address, REDIS_PORT, [...cluster.cliTlsArgs(), "SET", key, "1"]);
}

void describe("failover and switchover with NATS auth, ACL users, REST tokens and TLS on every link", () => {
  void it("each interface refuses a client without the right credential or without TLS", async () => {
    const { cluster, security } = lab();
    const h1 = cluster.initial_primary;
    // NATS: the server announces that it wants TLS and a user before anything else.
    const info = await cluster.lab.exec(
      cluster.client_host,
      [
        "timeout",
        "5",
        "bash",
        "-c",
        `exec 3<>/dev/tcp/${cluster.lab.node(cluster.nats_host).address}/${NATS_PORT}; head -n 1 <&3`,
      ],
      10_000,
    );
    assert.match(info.stdout, /"auth_required":true/);
    assert.match(info.stdout, /"tls_required":true/);
    // Redis and the Sentinel port speak TLS only.
    assert.doesNotMatch(await cli(h1.address, REDIS_PORT, ["PING"]), /PONG/);
    assert.doesNotMatch(await cli(h1.address, SENTINEL_PORT, ["PING"]), /PONG/);
    // The Sentinel port: no user, a wrong password, a read-only user asking for a failover.
    assert.match(await sentinel(h1, null, ["SENTINEL", "MASTERS"]), /NOAUTH/);
    assert.match(
      await sentinel(h1, { user: security.sentinel_operate.user, pass: "wrong" }, ["PING"]),
      /WRONGPASS/,
    );
    assert.match(
      await sentinel(h1, security.sentinel_read, ["SENTINEL", "FAILOVER", cluster.master_name]),
      /NOPERM/,
    );
    assert.equal(
      (
        await sentinel(h1, security.sentinel_read, [
          "SENTINEL",
          "GET-MASTER-ADDR-BY-NAME",
          cluster.master_name,
        ])
      ).split("\n")[0],
      h1.address,
    );
    // REST over https: a change without a token.
    const refused = await rest(h1, "POST", `/v1/masters/${cluster.master_name}/switchover`, null);
    assert.equal(refused.status, 401, refused.body);
    assert.match(refused.body, /SP_ERR_UNAUTHORIZED/);
    assert.match(await write(h1, "secure:before"), /^OK$/);
  });

  void it("SIGKILL of the primary's Redis: the agents fail over and name the new primary over TLS", async () => {
    const { cluster } = lab();
    const old = cluster.initial_primary;
    const mark = cluster.mark();
    await cluster.killRedis(old.name);
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: STEP_TIMEOUT_MS,
      since_index: mark,
    });
    const next = cluster.switchedTo(switched.event);
    assert.notEqual(next.name, old.name);
    current = next;
    await cluster.waitForEvent((e) => e.name === "+failover-end", {
      timeout_ms: STEP_TIMEOUT_MS,
      since_index: mark,
    });
    await agentsName(next);
    assert.match(await write(next, "secure:after-failover"), /^OK$/);
    // The old primary's data-node restarts its Redis, which replicates the new one (over TLS).
    await replicating(old, next);
  });

  void it("a switchover asked over https with an operate token moves the primary with no lost write", async () => {
    const { cluster, security } = lab();
    const from = current;
    assert.ok(from !== null, "needs the failover of the previous test");
    // Every replica replicates the current primary, so the switchover has a target in sync.
    for (const host of cluster.hosts.filter((h) => h !== from)) await replicating(host, from);
    const mark = cluster.mark();
    const asked = await rest(
      cluster.hosts.find((h) => h !== from) ?? from,
      "POST",
      `/v1/masters/${cluster.master_name}/switchover`,
      security.rest_operate_token,
    );
    assert.equal(asked.status, 202, asked.body);
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: STEP_TIMEOUT_MS,
      since_index: mark,
    });
    const next = cluster.switchedTo(switched.event);
    assert.notEqual(next.name, from.name);
    await agentsName(next);
    // The writes acknowledged before (by the first primary and after the failover) are there.
    assert.equal((await cluster.redisCli(next.name, ["GET", "secure:after-failover"])).trim(), "1");
    assert.match(await write(next, "secure:after-switchover"), /^OK$/);
  });
});

/** Polled until `host`'s Redis is a replica of `primary` with its link up (no event says so). */
async function replicating(host: NetnsDataHost, primary: NetnsDataHost): Promise<void> {
  const { cluster } = lab();
  const until_ms = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const master_host = await cluster.redisInfoField(host.name, "master_host");
    const link = await cluster.redisInfoField(host.name, "master_link_status");
    if (master_host === primary.address && link === "up") return;
    assert.ok(performance.now() < until_ms, `${host.name} does not replicate ${primary.name}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
