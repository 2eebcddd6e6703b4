// Plays the leading agent in namespace tests: commits TopologyRecords into the KV bucket with
// compare-and-set, as the agents do. Runs inside a lab namespace (all NATS traffic stays there):
//   node --import tsx kv-writer.ts <nats-url> <cluster-id>   (NATS user: SP_NATS_USER/SP_NATS_PASS)
// stdin: one JSON command per line, {"id":1,"record":{...}}; stdout: `ready`, then one JSON
// reply per command, {"id":1,"ok":true,"revision":N} or {"id":1,"ok":false,"error":"..."}.
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { connectNats, createLogger, TOPOLOGY_BUCKET_DEFAULTS, TopologyStore } from "@sentinel-plane/runtime";

const [url, cluster_id] = process.argv.slice(2);
if (url === undefined || cluster_id === undefined) {
  process.stderr.write("usage: kv-writer.ts <nats-url> <cluster-id>\n");
  process.exit(2);
}
const logger = createLogger({ service: "kv-writer", level: "warn", destination: process.stderr });
const nc = await connectNats(
  {
    servers: [url],
    name: "kv-writer",
    ...(process.env["SP_NATS_USER"] === undefined ? {} : { user: process.env["SP_NATS_USER"] }),
    ...(process.env["SP_NATS_PASS"] === undefined ? {} : { pass: process.env["SP_NATS_PASS"] }),
    connect_timeout_ms: 2000,
    reconnect_wait_ms: 100,
    reconnect_jitter_ms: 50,
    ping_interval_ms: 1000,
    ping_max_out: 2,
  },
  logger,
);
const store = new TopologyStore(
  nc,
  {
    cluster_id,
    bucket: { ...TOPOLOGY_BUCKET_DEFAULTS, replicas: 1 },
    request_timeout_ms: 5000,
    masters: null,
    refresh_interval_ms: 0,
    retry_base_ms: 100,
    retry_max_ms: 1000,
    under_replicated: "follow",
  },
  logger,
);
store.start(() => undefined);
while (!store.health().watching) await sleep(20);
process.stdout.write("ready\n");

interface Command {
  readonly id: number;
  readonly record: { readonly master_name: string };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  const command = JSON.parse(line) as Command;
  try {
    const name = command.record.master_name;
    const current = await store.read(name);
    // Compare-and-set on the revision just read, as a leader commits.
    const outcome = await store.commit(
      name,
      JSON.stringify(command.record),
      current.kind === "absent" ? 0 : current.revision,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    const revision = outcome.revision;
    process.stdout.write(`${JSON.stringify({ id: command.id, ok: true, revision })}\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ id: command.id, ok: false, error: message })}\n`);
  }
}
await nc.close();
