// A namespace lab for vip-manager tests: data hosts h1..hN each run a vip-manager and a TCP
// listener answering its host name; the last host runs nats-server (JetStream) and a KV writer
// that plays the leading agent; c1 is the client. Every 10.x packet stays inside the lab. NATS
// runs with authorization: each vip-manager has its read-only user, the writer an agent's.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { natsPermissions, natsUser, renderNatsAuthorization } from "@sentinel-plane/protocol";
import type { NatsIdentity } from "@sentinel-plane/protocol";
import type { LabProcess, NetnsLab } from "@sentinel-plane/testkit/netns";
import { createNetnsLab, listNetns, tcpReplyServerArgv } from "@sentinel-plane/testkit/netns";

export const CLUSTER_ID = "viplab";
export const MASTER = "mymaster";
export const REDIS_PORT = 6379;
export const TCP_PORT = 7000;
const NATS_PORT = 14222;
const START_TIMEOUT_MS = 20_000;
const COMMIT_TIMEOUT_MS = 10_000;

const MAIN_PATH = fileURLToPath(new URL("../main.ts", import.meta.url));
const WRITER_PATH = fileURLToPath(new URL("./kv-writer.ts", import.meta.url));
const TSX_URL = import.meta.resolve("tsx");

export interface VipLabOptions {
  /** Data hosts running a vip-manager; one more host runs NATS. */
  readonly data_hosts: number;
  readonly subnet: string;
  /** Extra or replaced config fields per host. */
  readonly config: (host: string, address: string) => Record<string, unknown>;
}

export interface TopologyRecordInput {
  readonly config_epoch: number;
  readonly primary_host: string;
  readonly master_name?: string;
}

export class VipLab {
  readonly lab: NetnsLab;
  readonly dir: string;
  readonly data_hosts: readonly string[];
  readonly nats_host: string;
  readonly #options: VipLabOptions;
  readonly #managers = new Map<string, LabProcess>();
  #writer: ChildProcessWithoutNullStreams | null = null;
  #writer_output = "";
  #writer_waiters: (() => void)[] = [];
  #next_id = 1;
  /** NATS user -> password, for the vip-managers and the writer. */
  readonly #nats_passwords = new Map<string, string>();
  readonly #writer_identity: NatsIdentity = { role: "agent", id: randomBytes(20).toString("hex") };

  private constructor(lab: NetnsLab, options: VipLabOptions) {
    this.lab = lab;
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), "sp-vip-lab-"));
    this.data_hosts = lab.hosts.slice(0, options.data_hosts).map((host) => host.name);
    this.nats_host = `h${options.data_hosts + 1}`;
  }

  static async create(options: VipLabOptions): Promise<VipLab> {
    const lab = await createNetnsLab({ hosts: options.data_hosts + 1, clients: 1, subnet: options.subnet });
    const vip_lab = new VipLab(lab, options);
    try {
      await vip_lab.#startNats();
      await vip_lab.#startWriter();
      for (const host of vip_lab.data_hosts) {
        const server = lab.spawn(host, tcpReplyServerArgv(TCP_PORT, host));
        await server.waitForOutput(/ready/, START_TIMEOUT_MS);
      }
    } catch (error) {
      await vip_lab.teardown();
      throw error;
    }
    return vip_lab;
  }

  get nats_url(): string {
    return `nats://${this.lab.node(this.nats_host).address}:${NATS_PORT}`;
  }

  address(host: string): string {
    return this.lab.node(host).address;
  }

  #credential(identity: NatsIdentity): { user: string; pass: string } {
    const user = natsUser(identity);
    let pass = this.#nats_passwords.get(user);
    if (pass === undefined) {
      pass = randomBytes(24).toString("base64url");
      this.#nats_passwords.set(user, pass);
    }
    return { user, pass };
  }

  /** The config a host's vip-manager runs with (before the test's own fields). */
  baseConfig(host: string): Record<string, unknown> {
    return {
      cluster_id: CLUSTER_ID,
      host_name: host,
      nats: {
        servers: [this.nats_url],
        ...this.#credential({ role: "vip-manager", id: host }),
        connect_timeout_ms: 1000,
        reconnect_wait_ms: 100,
        reconnect_jitter_ms: 50,
        ping_interval_ms: 500,
        ping_max_out: 2,
      },
      kv_timeout_ms: 500,
      host_addresses: [`${this.address(host)}:${REDIS_PORT}`],
      vips: [],
      lease_ms: 2000,
      reconcile_interval_ms: 250,
      log_level: "info",
    };
  }

  /** Starts (or restarts) the vip-manager of a host, inside its namespace. */
  async startManager(host: string): Promise<LabProcess> {
    assert.ok(this.#managers.get(host)?.running !== true, `${host}'s vip-manager is running`);
    const config = { ...this.baseConfig(host), ...this.#options.config(host, this.address(host)) };
    const path = join(this.dir, `vip-manager-${host}.json`);
    writeFileSync(path, JSON.stringify(config, null, 2));
    const manager = this.lab.spawn(host, [
      process.execPath,
      "--import",
      TSX_URL,
      MAIN_PATH,
      "--config",
      path,
    ]);
    this.#managers.set(host, manager);
    await manager.waitForOutput(/"event":"initial_reconcile"/, START_TIMEOUT_MS);
    return manager;
  }

  manager(host: string): LabProcess {
    const manager = this.#managers.get(host);
    assert.ok(manager !== undefined, `no vip-manager on ${host}`);
    return manager;
  }

  /** Sends a signal to a host's vip-manager and waits for its exit. */
  async signalManager(
    host: string,
    signal: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: string | null }> {
    const manager = this.manager(host);
    process.kill(manager.pid, signal);
    return manager.exited;
  }

  /** A JSON log line of a host's vip-manager with these fields (any order), awaited. */
  async waitForLog(
    host: string,
    fields: Readonly<Record<string, string | number | null>>,
    timeout_ms: number,
  ): Promise<void> {
    await this.manager(host).waitForOutput(logLinePattern(fields), timeout_ms);
  }

  hasLog(host: string, fields: Readonly<Record<string, string | number | null>>): boolean {
    return logLinePattern(fields).test(this.manager(host).output());
  }

  /** Commits a record with compare-and-set (as a leader would); returns the KV revision. */
  async commit(input: TopologyRecordInput): Promise<number> {
    const writer = this.#writer;
    assert.ok(writer !== null);
    const id = this.#next_id++;
    const master_name = input.master_name ?? MASTER;
    const record = {
      v: 1,
      type: "topology",
      master_name,
      config_epoch: input.config_epoch,
      primary: { host: this.address(input.primary_host), port: REDIS_PORT },
      replicas: this.data_hosts
        .filter((host) => host !== input.primary_host)
        .map((host) => ({ host: this.address(host), port: REDIS_PORT })),
      leader: "a".repeat(40),
    };
    writer.stdin.write(`${JSON.stringify({ id, record })}\n`);
    const reply = await this.#writerReply(id);
    assert.ok(reply.ok, `commit failed: ${reply.error ?? ""}`);
    assert.ok(typeof reply.revision === "number");
    return reply.revision;
  }

  /** Data hosts whose interface carries the address, asked inside each host's namespace. */
  async holders(vip: string): Promise<string[]> {
    const held: string[] = [];
    for (const host of this.data_hosts) if (await this.holds(host, vip)) held.push(host);
    return held;
  }

  async holds(host: string, vip: string): Promise<boolean> {
    const node = this.lab.node(host);
    const shown = await this.lab.execChecked(host, ["ip", "-j", "addr", "show", "dev", node.ifname]);
    const links = JSON.parse(shown.stdout) as { addr_info: { local: string }[] }[];
    return links.some((link) => link.addr_info.some((entry) => entry.local === vip));
  }

  /** Kills everything by PID (the writer, then the lab's processes and strays), removes the lab. */
  async teardown(): Promise<void> {
    // SP_VIP_LAB_DUMP=1 prints every vip-manager's log (for diagnosis).
    if (process.env["SP_VIP_LAB_DUMP"] === "1") {
      for (const [host, manager] of this.#managers)
        process.stderr.write(`--- ${host}\n${manager.output()}\n`);
    }
    const writer = this.#writer;
    this.#writer = null;
    if (writer !== null && writer.exitCode === null && writer.signalCode === null) {
      const exited = new Promise((resolve) => writer.once("exit", resolve));
      writer.kill("SIGKILL");
      await exited;
    }
    const names = this.lab.netns_names;
    await this.lab.teardown();
    rmSync(this.dir, { recursive: true, force: true });
    const listed = await listNetns();
    assert.deepEqual(
      names.filter((name) => listed.includes(name)),
      [],
    );
  }

  async #startNats(): Promise<void> {
    const store = join(this.dir, "jetstream");
    const identities: NatsIdentity[] = [
      this.#writer_identity,
      ...this.data_hosts.map((host): NatsIdentity => ({ role: "vip-manager", id: host })),
    ];
    const users = identities.map((identity) => {
      const { user, pass } = this.#credential(identity);
      return { user, password: pass, permissions: natsPermissions(CLUSTER_ID, identity) };
    });
    const conf = join(this.dir, "nats.conf");
    writeFileSync(
      conf,
      [
        `server_name: "viplab"`,
        `listen: "0.0.0.0:${NATS_PORT}"`,
        `jetstream { store_dir: ${JSON.stringify(store)} }`,
        renderNatsAuthorization(users),
      ].join("\n"),
      { mode: 0o600 },
    );
    const nats = this.lab.spawn(this.nats_host, ["nats-server", "-c", conf]);
    await nats.waitForOutput(/Server is ready/, START_TIMEOUT_MS);
  }

  async #startWriter(): Promise<void> {
    const argv = [
      ...this.lab.execPrefix(this.nats_host),
      process.execPath,
      "--import",
      TSX_URL,
      WRITER_PATH,
      this.nats_url,
      CLUSTER_ID,
    ];
    const [file, ...args] = argv;
    assert.ok(file !== undefined);
    const { user, pass } = this.#credential(this.#writer_identity);
    const writer = spawn(file, args, {
      shell: false,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, SP_NATS_USER: user, SP_NATS_PASS: pass },
    });
    this.#writer = writer;
    const append = (chunk: Buffer): void => {
      this.#writer_output += chunk.toString("utf8");
      const waiters = this.#writer_waiters;
      this.#writer_waiters = [];
      for (const wake of waiters) wake();
    };
    writer.stdout.on("data", append);
    writer.stderr.on("data", append);
    writer.once("exit", () => {
      append(Buffer.from("\n[writer exited]\n"));
    });
    await this.#writerLine((line) => line === "ready", START_TIMEOUT_MS);
  }

  async #writerReply(id: number): Promise<{ ok: boolean; revision?: number; error?: string }> {
    const line = await this.#writerLine((text) => text.startsWith(`{"id":${id},`), COMMIT_TIMEOUT_MS);
    return JSON.parse(line) as { ok: boolean; revision?: number; error?: string };
  }

  /** The first output line matching, awaited on output events (no polling). */
  async #writerLine(match: (line: string) => boolean, timeout_ms: number): Promise<string> {
    const until_ms = performance.now() + timeout_ms;
    for (;;) {
      const found = this.#writer_output.split("\n").find(match);
      if (found !== undefined) return found;
      if (this.#writer_output.includes("[writer exited]"))
        throw new Error(`kv writer exited: ${this.#writer_output}`);
      const left_ms = until_ms - performance.now();
      if (left_ms <= 0)
        throw new Error(`kv writer: no answer within ${timeout_ms} ms: ${this.#writer_output}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left_ms);
        this.#writer_waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** One line holding every `"key":value` pair (JSON-encoded), in any order. */
export function logLinePattern(fields: Readonly<Record<string, string | number | null>>): RegExp {
  const lookaheads = Object.entries(fields)
    .map(([key, value]) => `(?=[^\\n]*${escape(`"${key}":${JSON.stringify(value)}`)}[,}])`)
    .join("");
  return new RegExp(`^${lookaheads}[^\\n]*$`, "m");
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
