// The agent's links, built but not yet started: the data-nodes' status reports and lease
// requests, the peer sentinels, the Redis probes, and the node commands (over the data-node, or
// directly when it is unreachable). What they receive goes to the loop, built later.
import { AGENT_TIMING_DEFAULT } from "@sentinel-plane/core";
import type { Address, NodeCommand } from "@sentinel-plane/core";
import type { Counters, NatsConnection } from "@sentinel-plane/runtime";
import { DirectRedis } from "../direct-redis.js";
import { LeaseDesk } from "../lease-desk.js";
import type { LocalMasterOptions } from "../local-master-options.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import { NatsNodeCommander } from "../node-commander.js";
import { NatsPeers } from "../nats-peers.js";
import { RedisProber } from "../redis-prober.js";
import type { RedisAuth } from "../redis-prober.js";
import { StatusIntake } from "../status-intake.js";
import type { AgentBase } from "./agent-base.js";
import type { Late } from "./late.js";
import { authForAddress, commandNameForAddress } from "./master-lookup.js";

export interface LinksContext {
  readonly base: AgentBase;
  readonly nc: NatsConnection;
  readonly counters: Counters;
  readonly local: LocalMasterOptions;
  readonly loop: Late<AgentLoop>;
}

export interface Links {
  /** Counts and logs a message refused by its schema (every NATS intake reports here). */
  readonly malformed: (subject: string, code: string, reason: string) => void;
  readonly status: StatusIntake;
  readonly leases: LeaseDesk;
  readonly peers: NatsPeers;
  readonly prober: RedisProber;
  readonly nodes: NatsNodeCommander;
}

export function createLinks(ctx: LinksContext): Links {
  const { base, nc, counters, local, loop } = ctx;
  const { plane, myid, logger, now_ms, tls } = base;
  const authFor = (target: Address): RedisAuth => authForAddress(local, loop.get().state, target);
  const malformed = (subject: string, code: string, reason: string): void => {
    counters.inc("malformed_total", { source: subject.split(".")[2] ?? "?" });
    logger.warn({ subject, code, reason }, "malformed message ignored");
  };
  const status = new StatusIntake({
    cluster_id: plane.cluster_id,
    nodes_max: 4096,
    deliver: (report) => loop.get().feed({ type: "node_report", now_ms: now_ms(), report }),
    on_malformed: malformed,
  });
  const leases = new LeaseDesk({
    cluster_id: plane.cluster_id,
    direct_waiting_max: 256,
    deliver: (request) => loop.get().feed({ type: "lease_request", now_ms: now_ms(), request }),
    on_malformed: malformed,
  });
  const peers = new NatsPeers(nc, {
    cluster_id: plane.cluster_id,
    myid,
    deliver: (message) => loop.get().feed({ type: "peer_message", now_ms: now_ms(), message }),
    on_malformed: malformed,
    on_forged: (subject, claimed_from, sender, type) => {
      counters.inc("forged_total", { source: "peer" });
      logger.warn(
        { event: "forged_message", subject, claimed_from, sender, type },
        `refused a ${type} claiming to be from ${claimed_from} on ${subject} (sent by ${sender ?? "?"})`,
      );
    },
  });
  const prober = new RedisProber({
    instances_max: 4096,
    connect_timeout_ms: AGENT_TIMING_DEFAULT.probe_timeout_ms,
    reconnect_max_ms: 200,
    auth_for: authFor,
    command_name: (target, command) => commandNameForAddress(local, loop.get().state, target, command),
    ...(tls.redis === undefined ? {} : { tls: tls.redis }),
  });
  const nodes = new NatsNodeCommander(nc, {
    cluster_id: plane.cluster_id,
    issuer: myid,
    directory: status,
    direct: new DirectRedis(authFor, tls.redis),
    on_fallback: (target: Address, command: NodeCommand, reason: string) => {
      counters.inc("direct_commands_total", { command: command.type });
      logger.warn(
        { event: "direct-command", target, command: command.type, reason },
        `data-node unreachable, commanding ${target.host}:${target.port} directly (${command.type}): ${reason}`,
      );
    },
    on_withdrawn: (target: Address, epoch: number, command: NodeCommand, reason: string) => {
      counters.inc("withdrawn_commands_total", { command: command.type });
      logger.warn(
        { event: "command-withdrawn", target, epoch, command: command.type, reason },
        `not commanding ${target.host}:${target.port} directly (${command.type} at epoch ${epoch}): no longer wanted (its failover ended, it is too old, or TILT)`,
      );
    },
  });
  return { malformed, status, leases, peers, prober, nodes };
}
