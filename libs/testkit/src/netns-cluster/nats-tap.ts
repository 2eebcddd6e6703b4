// The test's window on the control plane, run inside a lab namespace (traffic to 10.x addresses
// must not leave the lab, so the test process itself never connects to NATS):
//   node --import tsx nats-tap.ts <nats-url> <cluster-id> [<bootstrap-record-json>]
// With a bootstrap record it first creates the master's topology key (create-only: it fails when
// the key exists), as an operator seeds a fresh deployment. Then it prints one JSON line per
// event published by any agent: {"type":"event","t_ms":<wall clock ms>,"event":{...}}.
// stdout: {"type":"bootstrap",...} (when asked), then {"type":"ready"} once subscribed.
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { allEventsSubject, decodeEventMessage, topologyBucket, topologyKey } from "@sentinel-plane/protocol";
import { LAB_NATS_TIMINGS } from "./configs.js";
import { wallClock_ms } from "./wall-clock.js";

const [url, cluster_id, bootstrap] = process.argv.slice(2);
if (url === undefined || cluster_id === undefined) {
  process.stderr.write("usage: nats-tap.ts <nats-url> <cluster-id> [<bootstrap-record-json>]\n");
  process.exit(2);
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const nc = await connect({
  servers: [url],
  name: "netns-cluster-tap",
  timeout: LAB_NATS_TIMINGS.connect_timeout_ms,
  reconnect: true,
  maxReconnectAttempts: -1,
  reconnectTimeWait: LAB_NATS_TIMINGS.reconnect_wait_ms,
  reconnectJitter: LAB_NATS_TIMINGS.reconnect_jitter_ms,
  waitOnFirstConnect: true,
  pingInterval: LAB_NATS_TIMINGS.ping_interval_ms,
  maxPingOut: LAB_NATS_TIMINGS.ping_max_out,
});

if (bootstrap !== undefined) {
  const record = JSON.parse(bootstrap) as { readonly master_name: string };
  try {
    // The same bucket settings as the agents and data-nodes use (whoever comes first creates it).
    const kv = await new Kvm(nc).create(topologyBucket(cluster_id), { history: 5, storage: "file" });
    const revision = await kv.create(topologyKey(record.master_name), bootstrap);
    print({ type: "bootstrap", ok: true, revision });
  } catch (error) {
    print({ type: "bootstrap", ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}

nc.subscribe(allEventsSubject(cluster_id), {
  callback: (error, msg) => {
    if (error !== null) return;
    const decoded = decodeEventMessage(msg.data);
    if (decoded.ok) print({ type: "event", t_ms: wallClock_ms(), event: decoded.value });
  },
});
await nc.flush();
print({ type: "ready" });
// Runs until the fixture kills it (by PID).
await nc.closed();
