// An in-memory SentinelView for tests (and a reference for the agent's implementation): state is
// plain data the test edits, admin operations are recorded and answer what the test set up,
// events are published by `emit`. Its behaviour follows Sentinel's where it is cheap to do so
// (MONITOR adds a master, REMOVE deletes it, SET changes settings), so round trips can be tested.
import { globMatch } from "@sentinel-plane/core";
import type {
  AdminResult,
  EventListener,
  InfoCacheView,
  IsMasterDownAnswer,
  MasterSetOption,
  OperatorRequest,
  MasterView,
  PendingScriptView,
  QuorumCheck,
  ReplicaView,
  SentinelPeerView,
  SentinelPubSubEvent,
  SentinelStatusView,
  SentinelView,
  SimulatedFailure,
} from "../view.js";

export interface FakeMaster {
  master: MasterView;
  replicas: ReplicaView[];
  sentinels: SentinelPeerView[];
  /** The current primary (may differ from master.ip/port while a switch is reported). */
  address: { ip: string; port: number };
}

export function fakeMasterView(
  name: string,
  ip: string,
  port: number,
  overrides: Partial<MasterView> = {},
): MasterView {
  return {
    name,
    ip,
    port,
    runid: "0123456789abcdef0123456789abcdef01234567",
    flags: ["master"],
    link_pending_commands: 0,
    link_refcount: 1,
    last_ping_sent_ms: 0,
    last_ok_ping_reply_ms: 120,
    last_ping_reply_ms: 120,
    down_after_ms: 30000,
    info_refresh_ms: 3000,
    role_reported: "master",
    role_reported_time_ms: 60000,
    config_epoch: 0,
    num_slaves: 0,
    num_other_sentinels: 0,
    quorum: 2,
    failover_timeout_ms: 180000,
    parallel_syncs: 1,
    ...overrides,
  };
}

export function fakeReplicaView(
  ip: string,
  port: number,
  master: { ip: string; port: number },
  overrides: Partial<ReplicaView> = {},
): ReplicaView {
  return {
    name: `${ip}:${port}`,
    ip,
    port,
    runid: "89abcdef0123456789abcdef0123456789abcdef",
    flags: ["slave"],
    link_pending_commands: 0,
    link_refcount: 1,
    last_ping_sent_ms: 0,
    last_ok_ping_reply_ms: 300,
    last_ping_reply_ms: 300,
    down_after_ms: 30000,
    info_refresh_ms: 4000,
    role_reported: "slave",
    role_reported_time_ms: 60000,
    master_link_down_time_ms: 0,
    master_link_status: "ok",
    master_host: master.ip,
    master_port: master.port,
    slave_priority: 100,
    slave_repl_offset: 1234,
    replica_announced: true,
    ...overrides,
  };
}

export function fakeSentinelPeerView(
  ip: string,
  port: number,
  runid: string,
  overrides: Partial<SentinelPeerView> = {},
): SentinelPeerView {
  return {
    name: runid,
    ip,
    port,
    runid,
    flags: ["sentinel"],
    link_pending_commands: 0,
    link_refcount: 1,
    last_ping_sent_ms: 0,
    last_ok_ping_reply_ms: 500,
    last_ping_reply_ms: 500,
    down_after_ms: 30000,
    last_hello_message_ms: 900,
    voted_leader: "?",
    voted_leader_epoch: 0,
    ...overrides,
  };
}

export class FakeSentinelView implements SentinelView {
  id = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
  readonly state = new Map<string, FakeMaster>();
  status_view: SentinelStatusView = {
    tilt: false,
    tilt_since_s: 0,
    running_scripts: 0,
    scripts_queue_length: 0,
    simulate_failure_flags: 0,
  };
  scripts: PendingScriptView[] = [];
  config: [string, string][] = [
    ["resolve-hostnames", "no"],
    ["announce-hostnames", "no"],
    ["announce-ip", ""],
    ["announce-port", "0"],
    ["sentinel-user", ""],
    ["sentinel-pass", ""],
  ];
  /** Every admin call, as `name arg arg...`. */
  readonly calls: string[] = [];
  /** Answer of the next FAILOVER (default OK). */
  failover_result: AdminResult = { ok: true };
  /** When set, admin operations wait for it (tests of pipelining behind an async command). */
  admin_gate: Promise<void> | null = null;
  readonly #listeners = new Set<EventListener>();

  addMaster(master: FakeMaster): void {
    this.state.set(master.master.name, master);
  }

  emit(event: SentinelPubSubEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  get listener_count(): number {
    return this.#listeners.size;
  }

  myid(): string {
    return this.id;
  }

  masters(): readonly MasterView[] {
    return [...this.state.values()].map((entry) => this.#withCounts(entry));
  }

  #withCounts(entry: FakeMaster): MasterView {
    return {
      ...entry.master,
      num_slaves: entry.replicas.length,
      num_other_sentinels: entry.sentinels.length,
    };
  }

  master(name: string): MasterView | undefined {
    const entry = this.state.get(name);
    return entry === undefined ? undefined : this.#withCounts(entry);
  }

  replicas(name: string): readonly ReplicaView[] | undefined {
    return this.state.get(name)?.replicas;
  }

  sentinels(name: string): readonly SentinelPeerView[] | undefined {
    return this.state.get(name)?.sentinels;
  }

  masterAddress(name: string): { ip: string; port: number } | undefined {
    return this.state.get(name)?.address;
  }

  ckquorum(name: string): QuorumCheck | undefined {
    const entry = this.state.get(name);
    if (entry === undefined) return undefined;
    const usable =
      1 + entry.sentinels.filter((s) => !s.flags.includes("s_down") && !s.flags.includes("o_down")).length;
    const voters = entry.sentinels.length + 1;
    return {
      usable,
      quorum_reachable: usable >= entry.master.quorum,
      majority_reachable: usable >= Math.floor(voters / 2) + 1,
    };
  }

  status(): SentinelStatusView {
    return this.status_view;
  }

  pendingScripts(): readonly PendingScriptView[] {
    return this.scripts;
  }

  infoCache(names: readonly string[] | null): readonly InfoCacheView[] {
    const selected = names === null ? [...this.state.keys()] : names.filter((name) => this.state.has(name));
    return [...new Set(selected)].map((name) => ({
      name,
      entries: [
        { info_age_ms: 1000, info: "# Server\r\nredis_version:7.0.15\r\n" },
        ...(this.state.get(name)?.replicas ?? []).map(() => ({
          info_age_ms: 1000,
          info: "# Server\r\nredis_version:7.0.15\r\n",
        })),
      ],
    }));
  }

  configGet(): readonly (readonly [string, string])[] {
    return this.config;
  }

  async #admin(call: string): Promise<void> {
    this.calls.push(call);
    if (this.admin_gate !== null) await this.admin_gate;
  }

  async isMasterDownByAddr(
    ip: string,
    port: number,
    current_epoch: number,
    runid: string,
  ): Promise<IsMasterDownAnswer> {
    await this.#admin(`is-master-down-by-addr ${ip} ${port} ${current_epoch} ${runid}`);
    const entry = [...this.state.values()].find((e) => e.address.ip === ip && e.address.port === port);
    const down = entry?.master.flags.includes("s_down") ?? false;
    if (entry === undefined || runid === "*") return { down, leader: "*", leader_epoch: 0 };
    return { down, leader: runid, leader_epoch: current_epoch };
  }

  async monitor(name: string, ip: string, port: number, quorum: number): Promise<AdminResult> {
    await this.#admin(`monitor ${name} ${ip} ${port} ${quorum}`);
    if (this.state.has(name)) return { ok: false, error: "ERR Duplicate master name." };
    if (!/^[0-9.]+$|^[0-9a-f:]+$/i.test(ip))
      return { ok: false, error: "ERR Invalid IP address or hostname specified" };
    this.addMaster({
      master: fakeMasterView(name, ip, port, { quorum }),
      replicas: [],
      sentinels: [],
      address: { ip, port },
    });
    return { ok: true };
  }

  async remove(name: string): Promise<AdminResult> {
    await this.#admin(`remove ${name}`);
    return this.state.delete(name) ? { ok: true } : { ok: false, error: "ERR No such master with that name" };
  }

  async set(name: string, options: readonly MasterSetOption[]): Promise<AdminResult> {
    await this.#admin(
      `set ${name} ${options.map((o) => ("value" in o ? `${o.option}=${o.value}` : `${o.option}=${o.from}>${o.to}`)).join(" ")}`,
    );
    const entry = this.state.get(name);
    if (entry === undefined) return { ok: false, error: "ERR No such master with that name" };
    for (const option of options) {
      if (option.option === "quorum") entry.master = { ...entry.master, quorum: option.value };
      if (option.option === "down-after-milliseconds")
        entry.master = { ...entry.master, down_after_ms: option.value };
      if (option.option === "failover-timeout")
        entry.master = { ...entry.master, failover_timeout_ms: option.value };
      if (option.option === "parallel-syncs")
        entry.master = { ...entry.master, parallel_syncs: option.value };
    }
    return { ok: true };
  }

  async reset(pattern: string): Promise<number> {
    await this.#admin(`reset ${pattern}`);
    return [...this.state.keys()].filter((name) => globMatch(pattern, name)).length;
  }

  async failover(name: string): Promise<AdminResult> {
    await this.#admin(`failover ${name}`);
    return this.failover_result;
  }

  async operator(request: OperatorRequest): Promise<AdminResult> {
    await this.#admin(`${request.kind} ${request.name} by=${request.by}`);
    if (request.name !== "*" && !this.state.has(request.name))
      return { ok: false, error: "ERR No such master with that name" };
    return { ok: true };
  }

  /** Set to make FLUSHCONFIG (and the rewrite after MONITOR/SET/REMOVE) fail. */
  flush_error: string | null = null;

  async flushconfig(): Promise<AdminResult> {
    await this.#admin("flushconfig");
    return this.flush_error === null ? { ok: true } : { ok: false, error: this.flush_error };
  }

  async configSet(name: string, value: string): Promise<AdminResult> {
    await this.#admin(`config-set ${name} ${value}`);
    const entry = this.config.find(([key]) => key === name.toLowerCase());
    if (entry === undefined)
      return { ok: false, error: `ERR Invalid argument '${name}' to SENTINEL CONFIG SET` };
    entry[1] = value;
    return { ok: true };
  }

  async simulateFailure(failures: readonly SimulatedFailure[]): Promise<AdminResult> {
    await this.#admin(`simulate-failure ${failures.join(" ")}`);
    this.status_view = {
      ...this.status_view,
      simulate_failure_flags:
        (failures.includes("crash-after-election") ? 1 : 0) |
        (failures.includes("crash-after-promotion") ? 2 : 0),
    };
    return { ok: true };
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
