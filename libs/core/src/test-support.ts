// Helpers for the core's unit tests: a deterministic Random, a standard config, and shortcuts to
// feed inputs and read effects. Pure like the rest of the core.
import { initAgent, step } from "./agent.js";
import type { AgentConfig } from "./agent.js";
import type { Random } from "./random.js";
import type { AgentState } from "./state.js";
import type { Address, Effect, Input, MasterSettings, PeerMessage, RedisInfo } from "./types.js";

export const PRIMARY: Address = { host: "10.0.0.1", port: 6379 };
export const R1: Address = { host: "10.0.0.2", port: 6379 };
export const R2: Address = { host: "10.0.0.3", port: 6379 };
export const ME = "a".repeat(40);
export const PEERS = ["b".repeat(40), "c".repeat(40)] as const;

/** Always returns the same fraction of the range (0 = the lowest value). */
export function fixedRandom(fraction = 0): Random {
  return { int: (max) => Math.min(max - 1, Math.floor(fraction * max)) };
}

export const SETTINGS: MasterSettings = {
  quorum: 2,
  down_after_ms: 1000,
  failover_timeout_ms: 5000,
  parallel_syncs: 1,
  master_reboot_down_after_period_ms: 0,
  election_timeout_ms: 400,
  // Off here: the tests of anti-flapping (maintenance.test.ts) set it; others fail over repeatedly.
  failover_block_period_ms: 0,
};

export function config(settings: Partial<MasterSettings> = {}): AgentConfig {
  return {
    myid: ME,
    announce: { host: "10.0.9.1", port: 26379 },
    timing: {
      ping_period_ms: 1000,
      info_period_ms: 10000,
      info_period_fast_ms: 1000,
      hello_period_ms: 2000,
      opinion_max_age_ms: 5000,
      tilt_trigger_ms: 2000,
      tilt_period_ms: 30000,
      probe_timeout_ms: 500,
    },
    masters: [{ name: "mymaster", address: PRIMARY, settings: { ...SETTINGS, ...settings } }],
  };
}

export class Harness {
  state: AgentState;
  now_ms = 1_000_000;
  readonly log: Effect[] = [];

  constructor(
    settings: Partial<MasterSettings> = {},
    readonly random: Random = fixedRandom(0),
  ) {
    this.state = initAgent(config(settings), null, this.now_ms);
  }

  input(input: Input): Effect[] {
    const out = step(this.state, input, this.random);
    this.state = out.state;
    this.log.push(...out.effects);
    return [...out.effects];
  }

  /** Ticks every 100 ms for `ms`; returns all effects. */
  advance(ms: number): Effect[] {
    const effects: Effect[] = [];
    const end = this.now_ms + ms;
    while (this.now_ms < end) {
      this.now_ms += 100;
      effects.push(...this.input({ type: "tick", now_ms: this.now_ms }));
    }
    return effects;
  }

  peer(message: PeerMessage): Effect[] {
    return this.input({ type: "peer_message", now_ms: this.now_ms, message });
  }

  /** Introduces the peers with hellos (config epoch 0, same primary). */
  meetPeers(peers: readonly string[] = PEERS): void {
    peers.forEach((id, i) => {
      this.peer({
        type: "hello",
        from: id,
        announce: { host: `10.0.9.${i + 2}`, port: 26379 },
        current_epoch: 0,
        master_name: "mymaster",
        master_address: PRIMARY,
        config_epoch: 0,
      });
    });
  }

  /** Answers every outstanding probe in `effects`: the primary per `primary_up`, replicas with INFO. */
  answerProbes(
    effects: readonly Effect[],
    primary_up: boolean,
    replicas: readonly Address[] = [R1, R2],
  ): Effect[] {
    const out: Effect[] = [];
    for (const e of effects) {
      if (e.type !== "probe") continue;
      const is_primary = e.target.host === PRIMARY.host && e.target.port === PRIMARY.port;
      let result: Extract<Input, { type: "probe_result" }>["result"];
      if (is_primary && !primary_up) result = { kind: e.kind, ok: false, error: "timeout" };
      else if (e.kind === "ping") result = { kind: "ping", ok: true, reply: "PONG" };
      else
        result = { kind: "info", ok: true, info: is_primary ? masterInfo(replicas) : replicaInfo(e.target) };
      out.push(
        ...this.input({
          type: "probe_result",
          now_ms: this.now_ms,
          probe_id: e.probe_id,
          target: e.target,
          result,
        }),
      );
    }
    return out;
  }

  /** Runs `ms` of ticks, answering probes (except those `hold` picks: they stay unanswered). */
  live(ms: number, primary_up: boolean, hold: (e: Effect) => boolean = () => false): Effect[] {
    const effects: Effect[] = [];
    const end = this.now_ms + ms;
    while (this.now_ms < end) {
      this.now_ms += 100;
      const tick = this.input({ type: "tick", now_ms: this.now_ms });
      const answered = tick.filter((e) => !hold(e));
      effects.push(...tick, ...this.answerProbes(answered, primary_up));
    }
    return effects;
  }
}

export function masterInfo(replicas: readonly Address[]): RedisInfo {
  return {
    run_id: "1".repeat(40),
    role: "master",
    master_repl_offset: 1000,
    replicas: replicas.map((r) => ({ host: r.host, port: r.port, state: "online", offset: 1000, lag_s: 0 })),
    replica_priority: 100,
    replica_announced: true,
    uptime_s: 100,
    replid: "",
    replid2: "",
    second_repl_offset: -1,
    redis_version: "7.0.15",
  };
}

export function replicaInfo(address: Address, overrides: Partial<RedisInfo> = {}): RedisInfo {
  return {
    ...masterInfo([]),
    run_id: address.host.replace(/\./g, "").padEnd(40, "0"),
    role: "slave",
    master_host: PRIMARY.host,
    master_port: PRIMARY.port,
    master_link_status: "up",
    master_link_down_since_s: -1,
    slave_repl_offset: 900,
    slave_read_repl_offset: 900,
    slave_read_only: true,
    master_sync_in_progress: false,
    ...overrides,
  };
}

export function eventNames(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) => (e.type === "event" ? [e.event.name] : []));
}

export function eventTexts(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) => (e.type === "event" ? [`${e.event.name} ${e.event.text}`] : []));
}

export function sends(effects: readonly Effect[]): PeerMessage[] {
  return effects.flatMap((e) => (e.type === "send" ? [e.message] : []));
}
