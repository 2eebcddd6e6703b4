// The test's window on the control plane, run inside a lab namespace (traffic to 10.x addresses
// must not leave the lab, so the test process itself never connects to NATS):
//   node --import tsx nats-tap.ts <nats-url> <cluster-id> [<user> <pass> <ca> <cert> <key>]
// (the optional five: the observer user and TLS files of a lab with its security on)
// It prints {"type":"ready"} once subscribed, then one JSON line per event published by any
// agent: {"type":"event","t_ms":<wall clock ms>,"event":{...}}.
import { connect } from "@nats-io/transport-node";
import { allEventsSubject, decodeEventMessage } from "@sentinel-plane/protocol";
import { LAB_NATS_TIMINGS } from "./configs.js";
import { wallClock_ms } from "./wall-clock.js";

const [url, cluster_id, user, pass, ca_file, cert_file, key_file] = process.argv.slice(2);
if (url === undefined || cluster_id === undefined) {
  process.stderr.write("usage: nats-tap.ts <nats-url> <cluster-id> [<user> <pass> <ca> <cert> <key>]\n");
  process.exit(2);
}
const secure =
  user === undefined ||
  pass === undefined ||
  ca_file === undefined ||
  cert_file === undefined ||
  key_file === undefined
    ? {}
    : { user, pass, tls: { caFile: ca_file, certFile: cert_file, keyFile: key_file } };

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const nc = await connect({
  servers: [url],
  ...secure,
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
