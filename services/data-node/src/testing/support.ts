// Helpers for the data-node's real-process tests: start the service against harness-managed
// redis/nats, watch its status reports (event-based), send it commands.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  decodeLeaseRequest,
  decodeNodeCommandReply,
  decodeNodeStatus,
  nodeCommandSubject,
  nodeLeaseGrantFromSubject,
  nodeLeaseSubject,
  nodeStatusSubject,
} from "@sentinel-plane/protocol";
import type {
  LeaseGrant,
  LeaseRequest,
  NodeCommandBody,
  NodeCommandReply,
  NodeStatusReport,
} from "@sentinel-plane/protocol";
import type { Harness, NatsServer, ServiceProcess } from "@sentinel-plane/testkit";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { topologyBucket, topologyKey } from "@sentinel-plane/protocol";
import { createRedisClient } from "@sentinel-plane/runtime";
import type { Redis } from "@sentinel-plane/runtime";
import { pidAlive } from "../adopt.js";

export const CLUSTER = "test-cluster";
export const ENTRY = "services/data-node/src/main.ts";

export interface NodeUnderTest {
  readonly node_id: string;
  readonly config_path: string;
  readonly state_dir: string;
  service: ServiceProcess;
}

/** Writes a config file and starts the data-node; resolves once it serves commands. */
export async function startDataNode(
  procs: Harness,
  node_id: string,
  config: Readonly<Record<string, unknown>>,
): Promise<NodeUnderTest> {
  const dir = await procs.tempDir(`data-node-${node_id}`);
  const state_dir = join(dir, "state");
  const config_path = join(dir, "data-node.json");
  await writeFile(
    config_path,
    JSON.stringify(
      { node_id, cluster_id: CLUSTER, state_dir, poll_interval_ms: 50, probe_timeout_ms: 300, ...config },
      null,
      2,
    ),
  );
  const node: NodeUnderTest = {
    node_id,
    config_path,
    state_dir,
    service: await spawn(procs, node_id, config_path),
  };
  return node;
}

async function spawn(procs: Harness, node_id: string, config_path: string): Promise<ServiceProcess> {
  const service = await procs.spawnService({
    name: `data-node-${node_id}`,
    entry: ENTRY,
    args: ["--config", config_path],
  });
  await service.waitForLog((r) => r["event"] === "commands_ready", { timeout_ms: 30000 });
  return service;
}

/** Resolves once the process is gone (a pid poll: it is not our child), or rejects at the timeout. */
export async function gone(pid: number, timeout_ms: number): Promise<number> {
  const until = performance.now() + timeout_ms;
  while (pidAlive(pid)) {
    if (performance.now() > until) throw new Error(`process ${pid} still runs after ${timeout_ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now();
}

/** kill -9 of the data-node (its supervised redis-server lives on), then a start with the same config. */
export async function crashAndRestartDataNode(procs: Harness, node: NodeUnderTest): Promise<void> {
  await crashDataNode(node);
  await respawnDataNode(procs, node);
}

/** kill -9 of the data-node only: its supervised redis-server lives on. */
export async function crashDataNode(node: NodeUnderTest): Promise<void> {
  node.service.process.killNow("SIGKILL");
  const exit = await node.service.exited;
  if (exit.signal !== "SIGKILL") throw new Error(`data-node ended with ${JSON.stringify(exit)}`);
}

/** Starts a stopped data-node again with the same config and state. */
export async function respawnDataNode(procs: Harness, node: NodeUnderTest): Promise<void> {
  node.service = await spawn(procs, node.node_id, node.config_path);
}

/** Stops the data-node cleanly (SIGTERM) and starts it again with the same config and state. */
export async function restartDataNode(procs: Harness, node: NodeUnderTest): Promise<number | null> {
  const exit = await node.service.stop(5000);
  node.service = await spawn(procs, node.node_id, node.config_path);
  return exit.code;
}

/**
 * The `nats` section of a data-node's config: the server's URL and, when the server runs with
 * authorization (the default), this node's own user (libs/protocol nats-auth.ts).
 */
export async function dataNodeNats(
  nats: NatsServer,
  node_id: string,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<Record<string, unknown>> {
  const credential = await nats.addIdentity(CLUSTER, { role: "data-node", id: node_id });
  return { servers: [nats.url], ...credential, ...extra };
}

/** The test's own client: the unrestricted admin user when authorization is on. */
export async function natsClient(procs: Harness, nats: NatsServer): Promise<NatsConnection> {
  const nc = await connect({
    ...nats.connectOptions,
    name: "data-node-test",
    timeout: 2000,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    reconnectJitter: 0,
    waitOnFirstConnect: false,
    pingInterval: 1000,
    maxPingOut: 2,
  });
  procs.onCleanup(() => nc.close());
  return nc;
}

export interface Received {
  readonly report: NodeStatusReport;
  /** performance.now() when the message reached the test. */
  readonly at_ms: number;
}

/** Collects a node's status reports; `waitFor` resolves on the first match (no polling). */
export class StatusWatcher {
  readonly received: Received[] = [];
  readonly #waiters = new Set<(entry: Received, index: number) => void>();

  constructor(nc: NatsConnection, node_id: string) {
    nc.subscribe(nodeStatusSubject(CLUSTER, node_id), {
      callback: (error, msg) => {
        if (error !== null) return;
        const at_ms = performance.now();
        const decoded = decodeNodeStatus(msg.data);
        if (!decoded.ok) throw new Error(`bad status report: ${decoded.error.message}`);
        const entry = { report: decoded.value, at_ms };
        this.received.push(entry);
        for (const waiter of this.#waiters) waiter(entry, this.received.length - 1);
      },
    });
  }

  mark(): number {
    return this.received.length;
  }

  latest(): NodeStatusReport | null {
    return this.received.at(-1)?.report ?? null;
  }

  waitFor(
    predicate: (report: NodeStatusReport) => boolean,
    options: { readonly timeout_ms: number; readonly since?: number },
  ): Promise<Received> {
    const since = options.since ?? 0;
    const found = this.received.slice(since).find((entry) => predicate(entry.report));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = (entry: Received): void => {
        if (!predicate(entry.report)) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(entry);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `no matching status report within ${options.timeout_ms} ms; latest: ${JSON.stringify(this.latest())}`,
          ),
        );
      }, options.timeout_ms);
      this.#waiters.add(waiter);
    });
  }
}

export async function sendRaw(
  nc: NatsConnection,
  node_id: string,
  payload: string,
): Promise<NodeCommandReply> {
  const msg = await nc.request(nodeCommandSubject(CLUSTER, node_id), payload, { timeout: 10000 });
  const decoded = decodeNodeCommandReply(msg.data);
  if (!decoded.ok) throw new Error(`bad reply: ${decoded.error.message}: ${msg.string()}`);
  return decoded.value;
}

export function sendCommand(
  nc: NatsConnection,
  node_id: string,
  epoch: number,
  issuer: string,
  command: NodeCommandBody,
): Promise<NodeCommandReply> {
  return sendRaw(nc, node_id, JSON.stringify({ v: 1, type: "node_command", epoch, issuer, command }));
}

/** The agents' side of the write lease in a test (grantLeases). */
export interface LeaseGranter {
  /** false: the agents refuse. */
  set(on: boolean): void;
  /** The epoch the grants vouch for (`epoch`); null: left out (an older agent: config epoch 3). */
  vouch(epoch: number | null): void;
  /** The lease_ms the grants give (500 until set: an agent's master with down_after_ms 1250). */
  grantLeaseMs(lease_ms: number): void;
  /** Requests received so far, oldest first. */
  readonly requests: LeaseRequest[];
  /** When each of them arrived (performance.now()), same index. */
  readonly arrived_ms: number[];
  /** Resolves once `count` more requests than now have arrived. */
  requestsAfter(count: number): Promise<LeaseRequest>;
}

/**
 * Answers the data-node's lease requests as `agents` would (2 of 3 known, config epoch 3): real
 * NATS, the protocol's messages.
 */
export function grantLeases(nc: NatsConnection, node_id: string, agents: readonly string[]): LeaseGranter {
  let on = true;
  let vouched: number | null = null;
  let granted_lease_ms = 500;
  const requests: LeaseRequest[] = [];
  const arrived_ms: number[] = [];
  const waiters = new Set<() => void>();
  nc.subscribe(nodeLeaseSubject(CLUSTER, node_id), {
    callback: (error, msg) => {
      if (error !== null) return;
      const decoded = decodeLeaseRequest(msg.data);
      if (!decoded.ok) return;
      requests.push(decoded.value);
      arrived_ms.push(performance.now());
      for (const waiter of waiters) waiter();
      for (const from of agents) {
        const grant: LeaseGrant = {
          v: 1,
          type: "lease_grant",
          from,
          node_id,
          master_name: decoded.value.master_name,
          seq: decoded.value.seq,
          granted: on,
          config_epoch: 3,
          ...(vouched === null ? {} : { epoch: vouched }),
          lease_ms: granted_lease_ms,
          agents_known: 3,
        };
        nc.publish(nodeLeaseGrantFromSubject(CLUSTER, node_id, from), JSON.stringify(grant));
      }
    },
  });
  return {
    set(value: boolean): void {
      on = value;
    },
    vouch(epoch: number | null): void {
      vouched = epoch;
    },
    grantLeaseMs(lease_ms: number): void {
      granted_lease_ms = lease_ms;
    },
    requests,
    arrived_ms,
    requestsAfter(count: number): Promise<LeaseRequest> {
      const target = requests.length + count;
      return new Promise((resolve) => {
        const check = (): void => {
          const request = requests[target - 1];
          if (request === undefined) return;
          waiters.delete(check);
          resolve(request);
        };
        waiters.add(check);
      });
    },
  };
}

/** A connected client of a test's redis-server, closed at the harness's cleanup. */
export async function connectedRedis(procs: Harness, port: number, connection_name: string): Promise<Redis> {
  const client = createRedisClient({
    host: "127.0.0.1",
    port,
    connection_name,
    connect_timeout_ms: 2000,
    command_timeout_ms: 2000,
    retry_base_ms: 50,
    retry_max_ms: 200,
  });
  await client.connect();
  procs.onCleanup(() => {
    client.disconnect();
  });
  return client;
}

/**
 * Writes a committed topology record for "mymaster" as an agent would (the bucket must exist: a
 * data-node may only read it under authorization). Resolves with the entry's revision.
 */
export async function putTopology(
  nc: NatsConnection,
  config_epoch: number,
  primary: { readonly host: string; readonly port: number },
): Promise<number> {
  const kv = await new Kvm(jetstream(nc, { timeout: 5000 })).open(topologyBucket(CLUSTER));
  const record = {
    v: 1,
    type: "topology",
    master_name: "mymaster",
    config_epoch,
    primary,
    replicas: [],
    leader: "a".repeat(40),
  };
  return kv.put(topologyKey("mymaster"), JSON.stringify(record));
}
