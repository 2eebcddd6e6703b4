// Plays the leading agent in namespace tests: commits TopologyRecords into the KV bucket with
// compare-and-set, as the agents do. Runs inside a lab namespace (all NATS traffic stays there):
//   node --import tsx kv_writer.ts <nats-url> <cluster-id>   (NATS user: SP_NATS_USER/SP_NATS_PASS)
// stdin: one JSON command per line, {"id":1,"record":{...}}; stdout: `ready`, then one JSON
// reply per command, {"id":1,"ok":true,"revision":N} or {"id":1,"ok":false,"error":"..."}.
import { createInterface } from "node:readline";
import { connectNats, createLogger } from "@sentinel-plane/runtime";
import { topologyKey } from "@sentinel-plane/protocol";
import { openTopologyBucket } from "../topology_source.js";

const [url, cluster_id] = process.argv.slice(2);
if (url === undefined || cluster_id === undefined) {
  process.stderr.write("usage: kv_writer.ts <nats-url> <cluster-id>\n");
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
const kv = await openTopologyBucket(nc, { cluster_id, timeout_ms: 5000, replicas: 1 });
process.stdout.write("ready\n");

interface Command {
  readonly id: number;
  readonly record: { readonly master_name: string };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  const command = JSON.parse(line) as Command;
  try {
    const key = topologyKey(command.record.master_name);
    const current = await kv.get(key);
    const value = JSON.stringify(command.record);
    // Compare-and-set on the revision just read, as a leader commits.
    const revision =
      current === null || current.operation !== "PUT"
        ? await kv.create(key, value)
        : await kv.update(key, value, current.revision);
    process.stdout.write(`${JSON.stringify({ id: command.id, ok: true, revision })}\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ id: command.id, ok: false, error: message })}\n`);
  }
}
await nc.close();
