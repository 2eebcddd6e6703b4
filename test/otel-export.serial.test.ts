// Traces that leave the process (issue 16): with OTEL_EXPORTER_OTLP_ENDPOINT set, the agents and
// data-nodes register the SDK and export OTLP/HTTP; a failover is one trace on the leader (root
// `failover`, a child span per state) and the data-node command spans join it through the trace
// context carried in the NATS headers. The receiver is a real HTTP server decoding the requests.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { LOOPBACK, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { redisPid } from "./support/redis.js";

interface AnyValue {
  readonly stringValue?: string;
  readonly intValue?: string | number;
  readonly boolValue?: boolean;
}
interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly attributes?: readonly KeyValue[];
}
interface OtlpRequest {
  readonly resourceSpans?: readonly {
    readonly resource?: { readonly attributes?: readonly KeyValue[] };
    readonly scopeSpans?: readonly { readonly spans?: readonly OtlpSpan[] }[];
  }[];
}

interface Received {
  readonly service: string;
  readonly trace_id: string;
  readonly span_id: string;
  readonly parent_id: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** OTLP/JSON ids are hex; tolerate base64 (the protobuf-JSON mapping) as well. */
function hexId(id: string | undefined): string {
  if (id === undefined || id === "") return "";
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, "base64").toString("hex");
}

function attributesOf(list: readonly KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    out[kv.key] = String(v.stringValue ?? v.intValue ?? v.boolValue ?? "");
  }
  return out;
}

/** A minimal OTLP/HTTP trace receiver: POST /v1/traces with a JSON body. */
async function startReceiver(): Promise<{
  url: string;
  spans: Received[];
  requests: () => number;
  close: () => Promise<void>;
}> {
  const spans: Received[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests++;
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      assert.match(req.headers["content-type"] ?? "", /json/, "OTLP/HTTP with JSON bodies");
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpRequest;
      for (const rs of body.resourceSpans ?? []) {
        const service = attributesOf(rs.resource?.attributes)["service.name"] ?? "";
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              trace_id: hexId(s.traceId),
              span_id: hexId(s.spanId),
              parent_id: hexId(s.parentSpanId),
              name: s.name,
              attributes: attributesOf(s.attributes),
            });
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}`,
    spans,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** Polls the receiver (spans arrive in batches, OTEL_BSP_SCHEDULE_DELAY apart) until `ready`. */
async function until(ready: () => boolean, timeout_ms: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

void test("one failover is one exported trace: state spans under the leader's root, data-node commands joined through NATS headers", async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  // Inherited by every process the harness starts (agents and data-nodes alike).
  process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url;
  process.env["OTEL_BSP_SCHEDULE_DELAY"] = "200";
  t.after(() => {
    delete process.env["OTEL_EXPORTER_OTLP_ENDPOINT"];
    delete process.env["OTEL_BSP_SCHEDULE_DELAY"];
  });
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: 1000,
      failover_timeout_ms: 10_000,
    });
    const [primary] = cluster.redis;
    assert.ok(primary);
    const mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    await cluster.waitForEvent((e) => e.name === "+failover-end", { timeout_ms: 30_000, since_index: mark });
    const leader = cluster.named("+elected-leader", mark)[0]?.event.agent;
    assert.ok(leader !== undefined, "a leader was elected");

    const ended = (): Received[] =>
      receiver.spans.filter((s) => s.name === "failover" && s.attributes["sp.outcome"] === "end");
    await until(() => ended().length > 0, 20_000, "the failover's root span");
    const roots = ended();
    assert.equal(roots.length, 1, "one completed failover, one trace");
    const root = roots[0];
    assert.ok(root);
    assert.equal(root.parent_id, "", "the failover span is a trace root");
    assert.equal(root.service, "sentinel-plane-sentinel-agent");

    const promote = (): Received[] =>
      receiver.spans.filter(
        (s) =>
          s.name === "data-node.command" &&
          s.trace_id === root.trace_id &&
          s.attributes["sp.command"] === "promote",
      );
    await until(() => promote().length > 0, 20_000, "the data-node's promote span in the failover's trace");

    const in_trace = receiver.spans.filter((s) => s.trace_id === root.trace_id);
    const states = in_trace.filter((s) => s.parent_id === root.span_id);
    const state_names = new Set(states.map((s) => s.name));
    for (const name of ["elected", "select-slave", "send-slaveof-noone", "wait-promotion", "reconf-slaves"]) {
      assert.ok(state_names.has(name), `state span ${name} (got ${[...state_names].join(", ")})`);
    }
    const state_ids = new Set(states.map((s) => s.span_id));
    const commands = in_trace.filter((s) => s.name === "data-node.command");
    assert.ok(commands.length >= 1);
    for (const c of commands) {
      assert.equal(c.service, "sentinel-plane-data-node");
      assert.ok(state_ids.has(c.parent_id), `command span ${c.attributes["sp.command"]} under a state span`);
    }
    const promote_span = promote()[0];
    const parent = states.find((s) => s.span_id === promote_span?.parent_id);
    assert.equal(parent?.name, "send-slaveof-noone", "promote ran in the send-slaveof-noone state");
  });
});
