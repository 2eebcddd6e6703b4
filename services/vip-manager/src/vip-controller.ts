// Binds and unbinds one VIP on this host with iproute2 and announces it with iputils arping.
// Every operation is idempotent and they run one at a time per controller.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import type { CommandOutput } from "./command.js";
import { commandFailed, runCommand } from "./command.js";
import type { VipConfig } from "./vip-config.js";
import { assertVipConfig } from "./vip-config.js";
import { VipError } from "./vip-error.js";

export interface VipControllerOptions {
  /** Debian's locations by default. */
  readonly ip_path?: string;
  readonly arping_path?: string;
  /** Prepended to every command, e.g. `["ip", "netns", "exec", "h1"]` or `["sudo", "-n"]`. */
  readonly command_prefix?: readonly string[];
  readonly command_timeout_ms?: number;
  /** Gratuitous ARPs per hold: the first goes at once, then one a second. */
  readonly arping_count?: number;
}

export interface ArpingExit {
  readonly pid: number;
  readonly exit_code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type ReconcileAction = "bound" | "already_bound" | "released";

const DEFAULT_IP_PATH = "/usr/sbin/ip";
const DEFAULT_ARPING_PATH = "/usr/bin/arping";
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
const DEFAULT_ARPING_COUNT = 3;
const ARPING_STOP_TIMEOUT_MS = 5_000;

interface ArpingRun {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ArpingExit>;
}

export class VipController {
  readonly config: VipConfig;
  readonly #ip_path: string;
  readonly #arping_path: string;
  readonly #prefix: readonly string[];
  readonly #timeout_ms: number;
  readonly #arping_count: number;
  #arping: ArpingRun | null = null;
  #last_arping: Promise<ArpingExit> | null = null;
  /** Operations run one after the other; a failed one does not block the next. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(config: VipConfig, options: VipControllerOptions = {}) {
    assertVipConfig(config);
    this.config = config;
    this.#ip_path = options.ip_path ?? DEFAULT_IP_PATH;
    this.#arping_path = options.arping_path ?? DEFAULT_ARPING_PATH;
    this.#prefix = options.command_prefix ?? [];
    this.#timeout_ms = options.command_timeout_ms ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.#arping_count = options.arping_count ?? DEFAULT_ARPING_COUNT;
    assert.ok(this.#timeout_ms > 0);
    assert.ok(Number.isInteger(this.#arping_count) && this.#arping_count >= 1 && this.#arping_count <= 100);
  }

  /** `ip addr replace` then gratuitous ARP in the background (the previous arping stopped first). */
  hold(): Promise<{ readonly arping_pid: number }> {
    return this.#serial(async () => {
      const output = await this.#ipCommand(["addr", "replace", this.#cidr(), "dev", this.config.interface]);
      if (output.exit_code !== 0) throw commandFailed(output, `bind ${this.#cidr()}`);
      await this.#stopArping();
      const run = await this.#startArping();
      return { arping_pid: run.pid };
    });
  }

  /** Stops arping and removes the address; an address already gone counts as done. */
  release(): Promise<{ readonly removed: boolean }> {
    return this.#serial(async () => {
      await this.#stopArping();
      const output = await this.#ipCommand(["addr", "del", this.#cidr(), "dev", this.config.interface]);
      if (output.exit_code === 0) return { removed: true };
      if (
        output.exit_code === 2 &&
        /Address not found|Cannot assign requested address/i.test(output.stderr)
      ) {
        return { removed: false };
      }
      throw commandFailed(output, `unbind ${this.#cidr()}`);
    });
  }

  /** Is the VIP bound to the interface right now? */
  check(): Promise<boolean> {
    return this.#serial(() => this.#isBound());
  }

  /**
   * Brings the host to the desired state. Holding re-announces only when the address was
   * missing, so a periodic reconcile does not flood the network with ARP.
   */
  reconcile(desired: "hold" | "release"): Promise<ReconcileAction> {
    if (desired === "release") return this.release().then(() => "released" as const);
    return this.#serial(async () => ((await this.#isBound()) ? "already_bound" : null)).then((state) =>
      state === null ? this.hold().then(() => "bound" as const) : state,
    );
  }

  /** The most recent arping's exit (null if none was started); waits for it to end. */
  lastArpingExit(): Promise<ArpingExit | null> {
    return this.#last_arping ?? Promise.resolve(null);
  }

  /** Stops a running arping; leaves the address as it is. */
  close(): Promise<void> {
    return this.#serial(() => this.#stopArping());
  }

  #cidr(): string {
    return `${this.config.vip}/${this.config.prefix_length}`;
  }

  #ipCommand(args: readonly string[]): Promise<CommandOutput> {
    return runCommand([...this.#prefix, this.#ip_path, ...args], this.#timeout_ms);
  }

  async #isBound(): Promise<boolean> {
    const output = await this.#ipCommand(["-j", "addr", "show", "dev", this.config.interface]);
    if (output.exit_code !== 0) throw commandFailed(output, `show ${this.config.interface}`);
    return parseAddresses(output.stdout, output.argv).includes(this.config.vip);
  }

  #startArping(): Promise<ArpingRun> {
    const argv = [
      ...this.#prefix,
      this.#arping_path,
      "-U",
      "-c",
      String(this.#arping_count),
      "-I",
      this.config.interface,
      this.config.vip,
    ];
    const [file, ...args] = argv;
    assert.ok(file !== undefined);
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { shell: false, stdio: "ignore" });
      child.once("error", (error) => {
        if (child.pid !== undefined) return;
        reject(
          new VipError("SP_ERR_VIP_SPAWN", `${argv.join(" ")}: ${error.message}`, undefined, {
            cause: error,
          }),
        );
      });
      child.once("spawn", () => {
        assert.ok(child.pid !== undefined);
        const pid = child.pid;
        const exited = new Promise<ArpingExit>((resolve_exit) => {
          child.once("exit", (exit_code, signal) => {
            if (this.#arping?.pid === pid) this.#arping = null;
            resolve_exit({ pid, exit_code, signal });
          });
        });
        const run = { child, pid, exited };
        this.#arping = run;
        this.#last_arping = exited;
        resolve(run);
      });
    });
  }

  async #stopArping(): Promise<void> {
    const run = this.#arping;
    if (run === null) return;
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new VipError("SP_ERR_VIP_COMMAND_TIMEOUT", `arping ${run.pid} did not stop`));
      }, ARPING_STOP_TIMEOUT_MS);
    });
    try {
      await Promise.race([run.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.#arping = null;
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation, operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/** IPv4 and IPv6 addresses from `ip -j addr show dev X`. */
function parseAddresses(stdout: string, argv: readonly string[]): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (error) {
    throw new VipError("SP_ERR_VIP_BAD_OUTPUT", `${argv.join(" ")}: not JSON`, undefined, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new VipError("SP_ERR_VIP_BAD_OUTPUT", `${argv.join(" ")}: not a list`);
  const addresses: string[] = [];
  for (const link of parsed as unknown[]) {
    const info = (link as { addr_info?: unknown }).addr_info;
    if (!Array.isArray(info)) continue;
    for (const entry of info as unknown[]) {
      const local = (entry as { local?: unknown }).local;
      if (typeof local === "string") addresses.push(local);
    }
  }
  return addresses;
}
