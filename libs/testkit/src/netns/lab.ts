// A small network made of namespaces: data hosts h1..hN and clients c1..cM, each with one veth
// (eth0) plugged into a bridge that lives in its own namespace. The root namespace is never
// touched and test addresses exist only inside the lab, so traffic to them never leaves it.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import type { CommandResult } from "./command.js";
import { COMMAND_TIMEOUT_MS, NetnsError, runChecked, runCommand } from "./command.js";
import { bridgeNetnsName, nodeNetnsName, uniqueLabPrefix } from "./names.js";
import { LabProcess } from "./process.js";
import { errnoCode } from "@sentinel-plane/protocol";

export interface NetnsLabOptions {
  readonly hosts: number;
  readonly clients?: number;
  /** First three octets of the lab subnet (a /24 inside the lab only). */
  readonly subnet?: string;
  readonly prefix?: string;
  readonly ip_path?: string;
  readonly command_timeout_ms?: number;
}

export interface NetnsNode {
  /** `h1`, `c1` ... */
  readonly name: string;
  readonly netns: string;
  /** The node's interface inside its namespace. */
  readonly ifname: string;
  readonly address: string;
  readonly prefix_length: number;
  /** The veth end in the bridge namespace. */
  readonly bridge_port: string;
}

export interface TeardownReport {
  /** Processes started through the lab, killed by PID. */
  readonly killed_pids: readonly number[];
  /** Processes found in the lab's namespaces that the lab did not start (e.g. orphans). */
  readonly stray_pids: readonly number[];
  readonly deleted: readonly string[];
  /** Namespaces of the lab still listed afterwards (must be empty). */
  readonly left: readonly string[];
}

const IFNAME = "eth0";
const HOSTS_MAX = 9;
const CLIENTS_MAX = 9;
const PROCESS_EXIT_WAIT_MS = 5_000;

export class NetnsLab {
  readonly prefix: string;
  readonly bridge_netns: string;
  readonly #nodes = new Map<string, NetnsNode>();
  readonly #ip_path: string;
  readonly #timeout_ms: number;
  readonly #processes: LabProcess[] = [];
  readonly #created: string[] = [];
  #torn_down = false;
  readonly #on_exit = (): void => {
    this.#emergencyCleanup();
  };

  constructor(options: NetnsLabOptions) {
    this.prefix = options.prefix ?? uniqueLabPrefix();
    this.bridge_netns = bridgeNetnsName(this.prefix);
    this.#ip_path = options.ip_path ?? "ip";
    this.#timeout_ms = options.command_timeout_ms ?? COMMAND_TIMEOUT_MS;
    const clients = options.clients ?? 1;
    assert.ok(Number.isInteger(options.hosts) && options.hosts >= 1 && options.hosts <= HOSTS_MAX);
    assert.ok(Number.isInteger(clients) && clients >= 0 && clients <= CLIENTS_MAX);
    const subnet = options.subnet ?? "10.77.0";
    assert.match(subnet, /^10\.\d{1,3}\.\d{1,3}$/, "lab subnets are 10.x.y (a /24)");
    const add = (name: string, host_octet: number) => {
      this.#nodes.set(name, {
        name,
        netns: nodeNetnsName(this.prefix, name),
        ifname: IFNAME,
        address: `${subnet}.${host_octet}`,
        prefix_length: 24,
        bridge_port: name,
      });
    };
    for (let i = 1; i <= options.hosts; i++) add(`h${i}`, 10 + i);
    for (let i = 1; i <= clients; i++) add(`c${i}`, 100 + i);
  }

  get nodes(): readonly NetnsNode[] {
    return [...this.#nodes.values()];
  }

  get hosts(): readonly NetnsNode[] {
    return this.nodes.filter((node) => node.name.startsWith("h"));
  }

  /** Every namespace of the lab (nodes, then the bridge). */
  get netns_names(): readonly string[] {
    return [...this.nodes.map((node) => node.netns), this.bridge_netns];
  }

  node(name: string): NetnsNode {
    const node = this.#nodes.get(name);
    assert.ok(node !== undefined, `no node ${name} in lab ${this.prefix}`);
    return node;
  }

  /** argv prefix that runs a command inside the node's namespace. */
  execPrefix(name: string): readonly string[] {
    return [this.#ip_path, "netns", "exec", this.node(name).netns];
  }

  /** Builds the namespaces, the bridge and the links. Call once. */
  async setup(): Promise<void> {
    assert.equal(this.#created.length, 0, "setup runs once");
    process.on("exit", this.#on_exit);
    try {
      await this.#addNetns(this.bridge_netns);
      const br = this.bridge_netns;
      await this.#ip("-n", br, "link", "set", "lo", "up");
      await this.#ip("-n", br, "link", "add", "br0", "type", "bridge");
      await this.#ip("-n", br, "link", "set", "br0", "up");
      for (const node of this.nodes) {
        await this.#addNetns(node.netns);
        await this.#ip("-n", node.netns, "link", "set", "lo", "up");
        // Created inside the bridge namespace, the peer moved straight into the node's one.
        await this.#ip(
          "-n",
          br,
          "link",
          "add",
          node.bridge_port,
          "type",
          "veth",
          "peer",
          "name",
          node.ifname,
          "netns",
          node.netns,
        );
        await this.#ip("-n", br, "link", "set", node.bridge_port, "master", "br0");
        await this.#ip("-n", br, "link", "set", node.bridge_port, "up");
        await this.#ip(
          "-n",
          node.netns,
          "addr",
          "add",
          `${node.address}/${node.prefix_length}`,
          "dev",
          node.ifname,
        );
        await this.#ip("-n", node.netns, "link", "set", node.ifname, "up");
      }
    } catch (error) {
      await this.teardown();
      throw error;
    }
  }

  /** Runs a command inside the node's namespace; the exit status is in the result. */
  exec(name: string, argv: readonly string[], timeout_ms = this.#timeout_ms): Promise<CommandResult> {
    return runCommand([...this.execPrefix(name), ...argv], timeout_ms);
  }

  execChecked(name: string, argv: readonly string[], timeout_ms = this.#timeout_ms): Promise<CommandResult> {
    return runChecked([...this.execPrefix(name), ...argv], timeout_ms);
  }

  /** Starts a long-running process inside the node's namespace (`ip netns exec` execs it: same PID). */
  spawn(name: string, argv: readonly string[]): LabProcess {
    assert.ok(!this.#torn_down, "lab is torn down");
    const full = [...this.execPrefix(name), ...argv];
    const [file, ...args] = full;
    assert.ok(file !== undefined);
    const child = spawn(file, args, { shell: false, stdio: ["ignore", "pipe", "pipe"] });
    const lab_process = new LabProcess(name, argv, child);
    this.#processes.push(lab_process);
    return lab_process;
  }

  /** MAC address of the node's interface. */
  async mac(name: string): Promise<string> {
    const node = this.node(name);
    const result = await this.#ip("-n", node.netns, "-j", "link", "show", "dev", node.ifname);
    const links = JSON.parse(result.stdout) as { address?: string }[];
    const address = links[0]?.address;
    assert.ok(address !== undefined, `no MAC for ${name}`);
    return address;
  }

  /** The MAC the node's neighbour table holds for an address (null: no entry or unresolved). */
  async neighborMac(name: string, address: string): Promise<string | null> {
    const node = this.node(name);
    const result = await this.#ip("-n", node.netns, "-j", "neigh", "show", address, "dev", node.ifname);
    const entries = JSON.parse(result.stdout) as { lladdr?: string }[];
    return entries[0]?.lladdr ?? null;
  }

  /** Cuts the node off the network: its interface goes down. */
  async cut(name: string): Promise<void> {
    const node = this.node(name);
    await this.#ip("-n", node.netns, "link", "set", node.ifname, "down");
  }

  async heal(name: string): Promise<void> {
    const node = this.node(name);
    await this.#ip("-n", node.netns, "link", "set", node.ifname, "up");
  }

  /** Kills the lab's processes by PID, then any others left inside, then deletes the namespaces. */
  async teardown(): Promise<TeardownReport> {
    this.#torn_down = true;
    process.off("exit", this.#on_exit);
    const killed_pids: number[] = [];
    for (const lab_process of this.#processes) {
      if (!lab_process.running) continue;
      killed_pids.push(lab_process.pid);
      await withTimeout(lab_process.kill(), PROCESS_EXIT_WAIT_MS, `pid ${lab_process.pid} did not exit`);
    }
    const stray_pids: number[] = [];
    for (const netns of [...this.#created].reverse()) {
      stray_pids.push(...(await this.#killStrays(netns)));
    }
    const deleted: string[] = [];
    // Nodes first, the bridge last; deleting a namespace removes its veth ends.
    for (const netns of [...this.#created].reverse()) {
      const result = await runCommand([this.#ip_path, "netns", "del", netns], this.#timeout_ms);
      if (result.code === 0) deleted.push(netns);
    }
    this.#created.length = 0;
    const listed = await listNetns(this.#ip_path);
    const left = this.netns_names.filter((name) => listed.includes(name));
    if (left.length > 0) {
      throw new NetnsError("SP_ERR_NETNS_TEARDOWN", `namespaces left after teardown: ${left.join(", ")}`);
    }
    return { killed_pids, stray_pids, deleted, left };
  }

  async #addNetns(netns: string): Promise<void> {
    await this.#ip("netns", "add", netns);
    this.#created.push(netns);
  }

  async #ip(...args: string[]): Promise<CommandResult> {
    return runChecked([this.#ip_path, ...args], this.#timeout_ms);
  }

  /** Processes the lab did not start (orphans of hooks, say), killed by PID so the namespace can go. */
  async #killStrays(netns: string): Promise<number[]> {
    const found = await pidsIn(this.#ip_path, netns, this.#timeout_ms);
    for (const pid of found) {
      try {
        process.kill(pid, "SIGKILL");
      } catch (error) {
        if (errnoCode(error) !== "ESRCH") throw error;
      }
    }
    // Not our children: no exit event exists, so poll with a deadline until none is left.
    const until_ms = performance.now() + PROCESS_EXIT_WAIT_MS;
    while ((await pidsIn(this.#ip_path, netns, this.#timeout_ms)).length > 0) {
      if (performance.now() > until_ms)
        throw new NetnsError("SP_ERR_NETNS_TEARDOWN", `processes stay in ${netns}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return found;
  }

  /** Best effort when the test process exits without a teardown (a crash): synchronous. */
  #emergencyCleanup(): void {
    for (const lab_process of this.#processes) {
      if (!lab_process.running) continue;
      try {
        process.kill(lab_process.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    for (const netns of [...this.#created].reverse()) {
      spawnSync(this.#ip_path, ["netns", "del", netns], { timeout: this.#timeout_ms });
    }
  }
}

/** Creates and sets up a lab; `await lab.teardown()` removes everything. */
export async function createNetnsLab(options: NetnsLabOptions): Promise<NetnsLab> {
  const lab = new NetnsLab(options);
  await lab.setup();
  return lab;
}

/** Names from `ip netns list` (which prints `name (id: N)` for some). */
export async function listNetns(ip_path = "ip"): Promise<string[]> {
  const result = await runChecked([ip_path, "netns", "list"]);
  return result.stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => name !== "");
}

async function pidsIn(ip_path: string, netns: string, timeout_ms: number): Promise<number[]> {
  const result = await runCommand([ip_path, "netns", "pids", netns], timeout_ms);
  if (result.code !== 0) return [];
  return result.stdout
    .split("\n")
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

async function withTimeout<T>(promise: Promise<T>, timeout_ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new NetnsError("SP_ERR_NETNS_TEARDOWN", message));
    }, timeout_ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
