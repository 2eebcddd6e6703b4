// The REST API end to end (issue 6): nats-server, 3 redis-server with their data-nodes, 3 agents,
// all real processes on loopback, every endpoint through real HTTP, every JSON response checked
// against the OpenAPI document the agent serves. One cluster for the whole file (keeps it short);
// the subtests run in order and the later ones depend on the earlier ones' state.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { Compile } from "typebox/compile";
import type { TSchema } from "typebox";
import { freePort, startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { eventually, redisClient, missingKeys } from "./support/redis.js";

const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 10_000;
const EVENT_TIMEOUT_MS = 20_000;
const TOKEN = "rest-e2e-token-0123456789";
const MASTER = "/v1/masters/{name}";

// ---------------------------------------------------------------------------------------------
// The OpenAPI document as a response checker (component $refs resolved, TypeBox-compiled).

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deref(node: Json, schemas: JsonObject, depth: number): Json {
  assert.ok(depth < 64, "schema nested too deeply");
  if (Array.isArray(node)) return node.map((n) => deref(n, schemas, depth + 1));
  if (!isObject(node)) return node;
  const ref = node["$ref"];
  if (typeof ref === "string") {
    const target = schemas[ref.replace("#/components/schemas/", "")];
    assert.ok(target !== undefined, `unresolved ${ref}`);
    return deref(target, schemas, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(v, schemas, depth + 1)]));
}

class ApiDocument {
  readonly #doc: JsonObject;
  readonly #schemas: JsonObject;

  constructor(doc: JsonObject) {
    this.#doc = doc;
    const components = doc["components"];
    const schemas = isObject(components) ? components["schemas"] : undefined;
    this.#schemas = isObject(schemas) ? schemas : {};
  }

  get paths(): string[] {
    const paths = this.#doc["paths"];
    return isObject(paths) ? Object.keys(paths) : [];
  }

  /** Errors of a problem+json body against the Problem component (for undocumented routes). */
  checkProblem(body: unknown): string[] {
    const validator = Compile(
      deref({ $ref: "#/components/schemas/Problem" }, this.#schemas, 0) as unknown as TSchema,
    );
    return validator.Check(body) ? [] : validator.Errors(body).map((e) => `${e.instancePath} ${e.message}`);
  }

  /** The validation errors of a response against the documented schema ([]: valid). */
  check(method: string, path: string, status: number, content_type: string, body: unknown): string[] {
    const paths = this.#doc["paths"];
    const item = isObject(paths) ? paths[path] : undefined;
    const operation = isObject(item) ? item[method.toLowerCase()] : undefined;
    const responses = isObject(operation) ? operation["responses"] : undefined;
    if (!isObject(responses)) return [`${method} ${path} is not documented`];
    const entry = responses[String(status)] ?? responses[`${String(status)[0] ?? ""}XX`];
    if (!isObject(entry) || !isObject(entry["content"]))
      return [`${status} not documented for ${method} ${path}`];
    const media = entry["content"][content_type.split(";")[0]?.trim() ?? ""];
    if (!isObject(media)) return [`${content_type} not documented for ${method} ${path} ${status}`];
    const validator = Compile(deref(media["schema"] ?? {}, this.#schemas, 0) as unknown as TSchema);
    return validator.Check(body) ? [] : validator.Errors(body).map((e) => `${e.instancePath} ${e.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Reply {
  readonly status: number;
  readonly content_type: string;
  readonly body: unknown;
  readonly text: string;
}

class Api {
  readonly base: string;
  readonly #doc: ApiDocument | null;

  constructor(port: number, doc: ApiDocument | null) {
    this.base = `http://127.0.0.1:${port}`;
    this.#doc = doc;
  }

  /** `path` is the documented path of the URL (for the schema check). */
  async call(
    method: string,
    url: string,
    options: {
      path?: string;
      json?: unknown;
      body?: string;
      token?: string | null;
      type?: string;
      /** A route the document does not have (404): only the problem shape is checked. */
      undocumented?: boolean;
    } = {},
  ): Promise<Reply> {
    const token = options.token === undefined ? TOKEN : options.token;
    const payload = options.json === undefined ? options.body : JSON.stringify(options.json);
    const response = await fetch(`${this.base}${url}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(payload === undefined ? {} : { "content-type": options.type ?? "application/json" }),
      },
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.timeout(10_000),
    });
    const content_type = response.headers.get("content-type") ?? "";
    const text = await response.text();
    const body: unknown = content_type.includes("json") ? JSON.parse(text) : text;
    if (this.#doc !== null && options.undocumented === true) {
      assert.deepEqual(this.#doc.checkProblem(body), [], `${method} ${url} -> ${response.status} ${text}`);
    } else if (this.#doc !== null && content_type.includes("json")) {
      const errors = this.#doc.check(
        method,
        options.path ?? url.split("?")[0] ?? url,
        response.status,
        content_type,
        body,
      );
      assert.deepEqual(errors, [], `${method} ${url} -> ${response.status} ${text}`);
    }
    return { status: response.status, content_type, body, text };
  }
}

function assertProblem(reply: Reply, status: number, code: string, detail?: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.content_type, /^application\/problem\+json/);
  const body = reply.body as { code: string; status: number; detail: string };
  assert.equal(body.code, code, reply.text);
  assert.equal(body.status, status);
  if (detail !== undefined) assert.match(body.detail, detail);
}

// ---------------------------------------------------------------------------------------------
// Cluster helpers (as in agent-failover.serial.test.ts)

async function discovered(cluster: Cluster): Promise<void> {
  const agents = cluster.agents.length;
  const replicas = cluster.redis.length - 1;
  await eventually(
    "discovery",
    () => {
      const slaves = new Set(cluster.named("+slave").map((s) => `${s.event.agent} ${s.event.text}`));
      const sentinels = new Set(cluster.named("+sentinel").map((s) => `${s.event.agent} ${s.event.text}`));
      return Promise.resolve(
        slaves.size >= agents * replicas && sentinels.size >= agents * (agents - 1) ? true : null,
      );
    },
    { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
  );
}

async function writable(cluster: Cluster, port: number): Promise<void> {
  await cluster.waitForEvent((e) => e.name === "+unfence-master" && e.text.includes(` ${port} `), {
    timeout_ms: EVENT_TIMEOUT_MS,
  });
  const client = await redisClient(cluster.procs, port);
  await eventually(
    "primary writable",
    async () => {
      await client.set("probe", "1");
      return true;
    },
    { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
  );
  client.disconnect();
}

/** Each agent's REST port, read back from the sentinel.conf the cluster wrote for it. */
async function restPorts(cluster: Cluster): Promise<number[]> {
  return Promise.all(
    cluster.agents.map(async (agent) => {
      const text = await readFile(agent.config_path, "utf8");
      const port = Number(/^sentinel-plane rest-port (\d+)$/m.exec(text)?.[1]);
      assert.ok(Number.isInteger(port) && port > 0, `no rest-port in ${agent.config_path}`);
      return port;
    }),
  );
}

/** Reads an SSE stream in the background, collecting `event:` names with their data. */
function sse(
  base: string,
  query: string,
): { frames: { id: number; name: string; text: string }[]; close: () => void; opened: Promise<void> } {
  const frames: { id: number; name: string; text: string }[] = [];
  const controller = new AbortController();
  let resolveOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    resolveOpened = resolve;
  });
  void (async () => {
    const response = await fetch(`${base}/v1/events${query}`, { signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    resolveOpened();
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    assert.ok(reader);
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(block)?.[1];
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && name !== undefined && data !== undefined) {
          frames.push({ id: Number(id), name, text: (JSON.parse(data) as { text: string }).text });
        }
        end = buffer.indexOf("\n\n");
      }
    }
  })().catch(() => undefined);
  return {
    frames,
    close: () => {
      controller.abort();
    },
    opened,
  };
}

// ---------------------------------------------------------------------------------------------

void test("REST API against a real cluster", async (t) => {
  await withProcesses(t, async (procs) => {
    // startCluster gives each agent its own REST port (read back from the files below).
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      rest_token: TOKEN,
    });
    const [primary, first, second] = cluster.redis;
    assert.ok(primary && first && second);
    const rest_ports = await restPorts(cluster);
    assert.equal(new Set(rest_ports).size, 3, "each agent has its own REST port");
    // The API starts in the background of each agent's start: wait until each one listens.
    const listening = await Promise.all(
      cluster.agents.map((agent) =>
        agent.process.waitForLog((r) => r["event"] === "rest_listening", { timeout_ms: EVENT_TIMEOUT_MS }),
      ),
    );
    assert.deepEqual(
      listening.map((r) => r["port"]),
      rest_ports,
    );
    await discovered(cluster);
    await writable(cluster, primary.port);

    const raw = await (await fetch(`http://127.0.0.1:${rest_ports[0] ?? 0}/openapi.json`)).json();
    const doc = new ApiDocument(raw as JsonObject);
    const apis = rest_ports.map((p) => new Api(p, doc));
    const [a0, a1, a2] = apis;
    assert.ok(a0 && a1 && a2);
    const name = cluster.master_name;

    await t.test("reads, health checks, metrics and docs on every agent", async () => {
      for (const api of apis) {
        const masters = await api.call("GET", "/v1/masters");
        assert.equal(masters.status, 200);
        const list = (masters.body as { masters: { name: string; address: { port: number } }[] }).masters;
        assert.deepEqual(
          list.map((m) => [m.name, m.address.port]),
          [[name, primary.port]],
        );
        const one = await api.call("GET", `/v1/masters/${name}`, { path: MASTER });
        assert.equal((one.body as { num_agents: number }).num_agents, 3);
        const agents = await api.call("GET", `/v1/masters/${name}/agents`, { path: `${MASTER}/agents` });
        assert.equal((agents.body as { agents: unknown[] }).agents.length, 3);
        const topology = await api.call("GET", `/v1/masters/${name}/topology`, {
          path: `${MASTER}/topology`,
        });
        assert.equal(topology.status, 200);
        assert.equal((await api.call("GET", "/v1/failovers")).status, 200);
        assert.equal((await api.call("GET", "/healthz")).status, 200);
        assert.equal((await api.call("GET", "/readyz")).status, 200);
        assert.equal(
          (await api.call("GET", `/primary?address=127.0.0.1:${primary.port}`, { path: "/primary" })).status,
          200,
        );
        assertProblem(
          await api.call("GET", `/primary?address=127.0.0.1:${first.port}`, { path: "/primary" }),
          503,
          "SP_ERR_NOT_PRIMARY",
        );
      }
      // Replicas with their lag, once the primary's INFO lists them.
      const replicas = await eventually(
        "replicas with lag",
        async () => {
          const reply = await a0.call("GET", `/v1/masters/${name}/replicas`, { path: `${MASTER}/replicas` });
          const list = (
            reply.body as {
              replicas: { address: { port: number }; lag_bytes: number | null; link_status: string }[];
            }
          ).replicas;
          return list.length === 2 && list.every((r) => r.lag_bytes !== null && r.link_status === "up")
            ? list
            : null;
        },
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
      );
      assert.deepEqual(replicas.map((r) => r.address.port).sort(), [first.port, second.port].sort());
      const healthy = await eventually(
        "replica health",
        async () => {
          const reply = await a1.call(
            "GET",
            `/replica?address=127.0.0.1:${first.port}&max_lag_bytes=1000000`,
            { path: "/replica" },
          );
          return reply.status === 200 ? reply : null;
        },
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
      );
      assert.equal((healthy.body as { role: string }).role, "replica");
      assertProblem(
        await a1.call("GET", `/replica?address=127.0.0.1:${primary.port}`, { path: "/replica" }),
        503,
        "SP_ERR_NOT_HEALTHY_REPLICA",
      );
      const metrics = await a0.call("GET", "/metrics");
      assert.equal(metrics.status, 200);
      assert.match(
        metrics.text,
        /^sp_probe_latency_seconds_count\{kind="ping",ok="true",instance="[^"]+"\} [1-9]/m,
      );
      assert.match(metrics.text, /^sp_events_total\{event="\+slave"\} [1-9]/m);
      assert.match(metrics.text, new RegExp(`^sp_master_replicas\\{master="${name}"\\} 2$`, "m"));
      const docs = await a2.call("GET", "/docs/");
      assert.equal(docs.status, 200);
      assert.match(docs.text, /swagger/i);
      for (const path of ["/v1/masters/{name}/switchover", "/v1/events", "/replica", "/metrics"]) {
        assert.ok(doc.paths.includes(path), path);
      }
    });

    await t.test("monitor, set, reset, remove: applied on one agent, seen on the others", async () => {
      const extra_port = await freePort();
      const created = await a0.call("PUT", "/v1/masters/extra", {
        path: MASTER,
        json: { host: "127.0.0.1", port: extra_port, quorum: 2, down_after_ms: 5000 },
      });
      assert.equal(created.status, 201, created.text);
      await eventually(
        "monitor propagated",
        async () =>
          (await a2.call("GET", "/v1/masters/extra", { path: MASTER })).status === 200 ? true : null,
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
      );
      const set = await a1.call("PATCH", "/v1/masters/extra", {
        path: MASTER,
        json: { quorum: 3, parallel_syncs: 2 },
      });
      assert.equal(set.status, 200, set.text);
      await eventually(
        "set propagated",
        async () => {
          const reply = await a0.call("GET", "/v1/masters/extra", { path: MASTER });
          return (reply.body as { quorum: number }).quorum === 3 ? true : null;
        },
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
      );
      const reset = await a2.call("POST", "/v1/masters/extra/reset", { path: `${MASTER}/reset` });
      assert.deepEqual(reset.body, { ok: true, reset: 1 });
      const removed = await a0.call("DELETE", "/v1/masters/extra", { path: MASTER });
      assert.deepEqual(removed.body, { ok: true });
      for (const api of apis) {
        await eventually(
          "remove propagated",
          async () => {
            const reply = await api.call("GET", "/v1/masters/extra", { path: MASTER });
            return reply.status === 404 ? reply : null;
          },
          { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
        ).then((reply) => {
          assertProblem(reply, 404, "SP_ERR_UNKNOWN_MASTER");
        });
      }
    });

    await t.test("bad input: the right 4xx with a code, nothing changed on any agent", async () => {
      const before = await Promise.all(apis.map(async (api) => (await api.call("GET", "/v1/masters")).text));
      const put = (json: unknown, extra: { token?: string | null } = {}) =>
        a0.call("PUT", "/v1/masters/bad", { path: MASTER, json, ...extra });
      assertProblem(
        await put({ host: "127.0.0.1", port: "6390", quorum: 2 }),
        400,
        "SP_ERR_INVALID_REQUEST",
        /port/,
      );
      assertProblem(
        await put({ host: "127.0.0.1", port: 6390, quorum: 2, extra: 1 }),
        400,
        "SP_ERR_INVALID_REQUEST",
        /unknown field\(s\): extra/,
      );
      assertProblem(
        await put({ host: "127.0.0.1", port: 0, quorum: 2 }),
        400,
        "SP_ERR_INVALID_REQUEST",
        /port/,
      );
      assertProblem(
        await put({ host: "127.0.0.1", port: 6390, quorum: 2, down_after_ms: 2 ** 40 }),
        400,
        "SP_ERR_INVALID_REQUEST",
        /down_after_ms/,
      );
      assertProblem(
        await put({ host: "127.0.0.1", port: 6390, quorum: 2 }, { token: null }),
        401,
        "SP_ERR_UNAUTHORIZED",
      );
      assertProblem(
        await put({ host: "127.0.0.1", port: 6390, quorum: 2 }, { token: "not-the-token-0123456789" }),
        401,
        "SP_ERR_UNAUTHORIZED",
      );
      assertProblem(
        await a0.call("PUT", "/v1/masters/bad", { path: MASTER, body: '{"host":"127.0.0.1",' }),
        400,
        "SP_ERR_MALFORMED_REQUEST",
      );
      assertProblem(
        await a0.call("PUT", "/v1/masters/bad", {
          path: MASTER,
          body: JSON.stringify({ host: "127.0.0.1", port: 6390, quorum: 2, pad: "x".repeat(64 * 1024) }),
        }),
        413,
        "SP_ERR_PAYLOAD_TOO_LARGE",
      );
      assertProblem(
        await a1.call("PATCH", `/v1/masters/${name}`, { path: MASTER, json: { quorum: 0 } }),
        400,
        "SP_ERR_INVALID_REQUEST",
        /quorum/,
      );
      assertProblem(
        await a1.call("PATCH", "/v1/masters/nope", { path: MASTER, json: { quorum: 2 } }),
        404,
        "SP_ERR_UNKNOWN_MASTER",
      );
      assertProblem(
        await a2.call("POST", "/v1/masters/nope/failover", { path: `${MASTER}/failover` }),
        404,
        "SP_ERR_UNKNOWN_MASTER",
      );
      assertProblem(
        await a2.call("POST", `/v1/masters/${name}/switchover`, {
          path: `${MASTER}/switchover`,
          json: { to: "127.0.0.1:1" },
        }),
        409,
        "SP_ERR_NO_GOOD_REPLICA",
        /not a known replica/,
      );
      assertProblem(
        await a2.call("POST", `/v1/masters/${name}/switchover`, {
          path: `${MASTER}/switchover`,
          json: { to: 6380 },
        }),
        400,
        "SP_ERR_INVALID_REQUEST",
      );
      assertProblem(
        await a0.call("DELETE", `/v1/masters/${name}`, { path: MASTER, token: null }),
        401,
        "SP_ERR_UNAUTHORIZED",
      );
      assertProblem(await a0.call("GET", "/v1/nothing", { undocumented: true }), 404, "SP_ERR_NOT_FOUND");
      const after = await Promise.all(apis.map(async (api) => (await api.call("GET", "/v1/masters")).text));
      const settings = (text: string) =>
        (
          JSON.parse(text) as {
            masters: { name: string; quorum: number; settings: unknown; address: unknown }[];
          }
        ).masters.map((m) => [m.name, m.quorum, m.settings, m.address]);
      assert.deepEqual(after.map(settings), before.map(settings));
    });

    await t.test("switchover under steady writes loses nothing; SSE delivers +switch-master", async (st) => {
      const stream = sse(a2.base, `?master=${name}&type=%2Bswitch-master`);
      await stream.opened;
      const primaryPort = async (): Promise<number> => {
        const reply = await a1.call("GET", `/v1/masters/${name}`, { path: MASTER });
        return (reply.body as { address: { port: number } }).address.port;
      };
      const acked: string[] = [];
      const control = { stop: false };
      const writer = (async () => {
        let port = await primaryPort();
        let client = await redisClient(procs, port);
        for (let i = 0; !control.stop && i < 1_000_000;) {
          try {
            await client.set(`key:${i}`, String(i));
            acked.push(`key:${i}`);
            i++;
          } catch {
            const next = await primaryPort().catch(() => port);
            if (next !== port) {
              client.disconnect();
              port = next;
              client = await redisClient(procs, port);
            }
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
        client.disconnect();
      })();
      await eventually("writer running", () => Promise.resolve(acked.length > 200 ? true : null), {
        timeout_ms: EVENT_TIMEOUT_MS,
        interval_ms: 20,
      });
      const mark = cluster.events.length;
      const accepted = await a0.call("POST", `/v1/masters/${name}/switchover`, {
        path: `${MASTER}/switchover`,
        json: { to: `127.0.0.1:${second.port}` },
      });
      assert.equal(accepted.status, 202, accepted.text);
      assert.deepEqual(accepted.body, { accepted: true });
      const expected = `${name} 127.0.0.1 ${primary.port} 127.0.0.1 ${second.port}`;
      await eventually(
        "+switch-master on the SSE stream",
        () => Promise.resolve(stream.frames.find((f) => f.name === "+switch-master") ?? null),
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 20 },
      ).then((frame) => {
        assert.equal(frame.text, expected, "the chosen replica was promoted");
      });
      stream.close();
      assert.ok(
        stream.frames.every((f) => f.name === "+switch-master"),
        "the type filter held",
      );
      const states = cluster.events.slice(mark).map((s) => s.event.name);
      assert.ok(states.includes("+failover-state-fence-old-master"), "the old primary was fenced first");
      const before_switch = acked.length;
      await eventually(
        "writes continue on the new primary",
        () => Promise.resolve(acked.length > before_switch + 200 ? true : null),
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 20 },
      );
      control.stop = true;
      await writer;
      const check = await redisClient(procs, second.port);
      const missing = await missingKeys(check, acked);
      assert.deepEqual(
        missing.slice(0, 20),
        [],
        `${missing.length} of ${acked.length} acknowledged writes lost`,
      );
      st.diagnostic(
        `${acked.length} acknowledged writes, ${acked.length - before_switch} after the switch, none lost`,
      );

      // Every agent: the new primary passes /primary; the history shows the switchover.
      for (const api of apis) {
        await eventually(
          "new primary healthy",
          async () => {
            const reply = await api.call("GET", `/primary?address=127.0.0.1:${second.port}`, {
              path: "/primary",
            });
            return reply.status === 200 ? true : null;
          },
          { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
        );
        const ended = await eventually(
          "failover history",
          async () => {
            const reply = await api.call("GET", `/v1/failovers?master=${name}`, { path: "/v1/failovers" });
            const list = (
              reply.body as {
                failovers: {
                  outcome: string;
                  to: { port: number } | null;
                  duration_ms: number | null;
                  events: { name: string }[];
                }[];
              }
            ).failovers;
            return list.find((f) => f.outcome === "end") ?? null;
          },
          { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
        );
        assert.equal(ended.to?.port, second.port);
        assert.ok(ended.duration_ms !== null && ended.duration_ms >= 0);
        assert.ok(ended.events.some((e) => e.name === "+failover-state-wait-catchup"));
      }
      const topology = await a1.call("GET", `/v1/masters/${name}/topology`, { path: `${MASTER}/topology` });
      const committed = topology.body as { record: { primary: { port: number } } | null; revision: number };
      assert.equal(committed.record?.primary.port, second.port);
      assert.ok(committed.revision > 0);
    });

    await t.test("a forced failover through POST /failover", async () => {
      // After the switchover the old primary rejoins as a replica; wait until it can be promoted.
      const mark = cluster.events.length;
      const accepted = await eventually(
        "failover accepted",
        async () => {
          const reply = await a1.call("POST", `/v1/masters/${name}/failover`, { path: `${MASTER}/failover` });
          if (reply.status === 409) return null; // in progress, or no replica in sync yet
          return reply;
        },
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 200 },
      );
      assert.equal(accepted.status, 202, accepted.text);
      const switched = await cluster.waitForEvent(
        (e) => e.name === "+switch-master" && e.text.startsWith(`${name} 127.0.0.1 ${second.port} `),
        { timeout_ms: EVENT_TIMEOUT_MS, since_index: mark },
      );
      assert.notEqual(Number(switched.event.text.split(" ")[4]), second.port);
    });
  });
});
