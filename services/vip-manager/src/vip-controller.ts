// Binds and unbinds one VIP on this host with iproute2, announces it with iputils arping, and asks
// the segment whether another host still has it (duplicate address detection, `arping -D`).
// Every operation is idempotent and they run one at a time per controller.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import type { CommandOutput } from "./command.js";
import { commandFailed, runCommand, STOPPED_EXIT_CODE } from "./command.js";
import type { VipConfig, VipProbe } from "@sentinel-plane/vip-shell";
import { assertVipConfig, VipError } from "@sentinel-plane/vip-shell";

export interface VipControllerOptions {
  /** Debian's locations by default. */
  readonly ip_path?: string;
  readonly arping_path?: string;
  /** Prepended to every command, e.g. `["ip", "netns", "exec", "h1"]` or `["sudo", "-n"]`. */
  readonly command_prefix?: readonly string[];
  readonly command_timeout_ms?: number;
  /** Gratuitous ARPs per hold: the first goes at once, then one a second. */
  readonly arping_count?: number;
  /**
   * valid_lft and preferred_lft (whole seconds) of the address this controller adds, renewed by
   * every hold and every reconcile that finds it bound: the kernel removes it by itself when the
   * manager dies (SIGKILL) and stops renewing. Undefined: `forever`, the kernel never removes it.
   */
  readonly lifetime_s?: number;
  /** Duplicate address detection: probes per probe(), one after the other. */
  readonly dad_probes?: number;
  /** How long each probe listens for an answer before it is stopped (SIGINT). */
  readonly dad_probe_wait_ms?: number;
}

/** What probe() found, with how many probes went out and how long it took. */
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
const DEFAULT_DAD_PROBES = 3;
const DEFAULT_DAD_PROBE_WAIT_MS = 25;
/** Between the starts of two duplicate address probes: a lost probe or answer is not the only one. */
const DAD_PROBE_GAP_MS = 10;

/** How long probe() listens: from the first probe's start to the stop of them all. */
export function dadProbeSpan_ms(dad_probes: number, dad_probe_wait_ms: number): number {
  return (dad_probes - 1) * DAD_PROBE_GAP_MS + dad_probe_wait_ms;
}
const ARPING_STOP_TIMEOUT_MS = 5_000;
/** The kernel's INFINITY_LIFE_TIME: what `ip -j` shows for a `forever` address. */
const FOREVER_LIFE_TIME = 0xffff_ffff;

interface AddressEntry {
  readonly local: string;
  readonly valid_life_time: number | null;
}

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
  readonly #lifetime_s: number | null;
  readonly #dad_probes: number;
  readonly #dad_probe_wait_ms: number;
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
    this.#lifetime_s = options.lifetime_s ?? null;
    this.#dad_probes = options.dad_probes ?? DEFAULT_DAD_PROBES;
    this.#dad_probe_wait_ms = options.dad_probe_wait_ms ?? DEFAULT_DAD_PROBE_WAIT_MS;
    assert.ok(Number.isInteger(this.#dad_probes) && this.#dad_probes >= 1 && this.#dad_probes <= 10);
    assert.ok(
      this.#dad_probe_wait_ms > 0 &&
        dadProbeSpan_ms(this.#dad_probes, this.#dad_probe_wait_ms) < this.#timeout_ms,
    );
    assert.ok(this.#timeout_ms > 0);
    assert.ok(Number.isInteger(this.#arping_count) && this.#arping_count >= 1 && this.#arping_count <= 100);
    // Below FOREVER_LIFE_TIME, which the kernel would read as forever.
    assert.ok(
      this.#lifetime_s === null ||
        (Number.isInteger(this.#lifetime_s) && this.#lifetime_s >= 1 && this.#lifetime_s < FOREVER_LIFE_TIME),
      `lifetime_s must be a whole number of seconds from 1: ${this.#lifetime_s}`,
    );
  }

  /** `ip addr replace` then gratuitous ARP in the background (the previous arping stopped first). */
  hold(): Promise<{ readonly arping_pid: number }> {
    return this.#serial(async () => {
      await this.#replace();
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
   * missing, so a periodic reconcile does not flood the network with ARP; a bound address with a
   * lifetime gets it renewed. A `forever` one (an operator's, or bound without lifetime_s) is left
   * as it is, as before lifetimes existed.
   */
  reconcile(desired: "hold" | "release"): Promise<ReconcileAction> {
    if (desired === "release") return this.release().then(() => "released" as const);
    // No duplicate address probe here: the vip-manager's VipSlot probes between renew() and hold().
    return this.renew().then((bound) => (bound ? "already_bound" : this.hold().then(() => "bound" as const)));
  }

  /**
   * When the VIP is bound here: renews its lifetime (if it has one, see reconcile) and resolves
   * true. When it is not: does nothing and resolves false.
   */
  renew(): Promise<boolean> {
    return this.#serial(async () => {
      const entry = (await this.#entries()).find((e) => e.local === this.config.vip);
      if (entry === undefined) return false;
      if (this.#lifetime_s !== null && entry.valid_life_time !== FOREVER_LIFE_TIME) await this.#replace();
      return true;
    });
  }

  /**
   * Duplicate address detection (RFC 5227 probes, sender 0.0.0.0): does another host answer for
   * the VIP? iputils arping takes whole seconds only (-i, -w), so each probe is its own
   * `arping -D -c 1`; they start DAD_PROBE_GAP_MS apart and all are stopped with SIGINT
   * dad_probe_wait_ms after the last one started (the first listens longest, which absorbs a slow
   * process start); on SIGINT arping prints how many probes it sent and how many answers it got.
   * The first answer (arping -D exits 1 at once) stops the others. "silent" needs every probe sent
   * and no answer; a probe stopped before it went out (a slow start) makes it "inconclusive".
   */
  probe(): Promise<VipProbe> {
    return this.#serial(async () => {
      const started_ms = performance.now();
      const answered = new AbortController();
      const last_start_ms = (this.#dad_probes - 1) * DAD_PROBE_GAP_MS;
      const runs = Array.from({ length: this.#dad_probes }, async (_, index) => {
        const start_ms = index * DAD_PROBE_GAP_MS;
        if (start_ms > 0) await delay(start_ms);
        if (answered.signal.aborted) return { sent: 0, answered: false };
        const seen = parseDadOutput(
          await this.#dadProbe(last_start_ms - start_ms + this.#dad_probe_wait_ms, answered.signal),
        );
        if (seen.answered) answered.abort();
        return seen;
      });
      const settled = await Promise.allSettled(runs);
      const duration_ms = performance.now() - started_ms;
      const seen = settled.flatMap((run) => (run.status === "fulfilled" ? [run.value] : []));
      const probes_sent = seen.reduce((sum, run) => sum + run.sent, 0);
      if (seen.some((run) => run.answered)) return { result: "answered", probes_sent, duration_ms };
      const failed = settled.find((run) => run.status === "rejected");
      if (failed !== undefined) throw failed.reason;
      const result = probes_sent >= this.#dad_probes ? "silent" : "inconclusive";
      return { result, probes_sent, duration_ms };
    });
  }

  #dadProbe(stop_after_ms: number, stop: AbortSignal): Promise<CommandOutput> {
    const argv = [
      ...this.#prefix,
      this.#arping_path,
      "-D",
      "-c",
      "1",
      "-I",
      this.config.interface,
      this.config.vip,
    ];
    return runCommand(argv, this.#timeout_ms, { stop_after_ms, stop });
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

  /** `ip addr replace` adds the address or, when present, sets its lifetime anew. */
  async #replace(): Promise<void> {
    const lifetime =
      this.#lifetime_s === null
        ? []
        : ["valid_lft", String(this.#lifetime_s), "preferred_lft", String(this.#lifetime_s)];
    const output = await this.#ipCommand([
      "addr",
      "replace",
      this.#cidr(),
      "dev",
      this.config.interface,
      ...lifetime,
    ]);
    if (output.exit_code !== 0) throw commandFailed(output, `bind ${this.#cidr()}`);
  }

  async #entries(): Promise<AddressEntry[]> {
    const output = await this.#ipCommand(["-j", "addr", "show", "dev", this.config.interface]);
    if (output.exit_code !== 0) throw commandFailed(output, `show ${this.config.interface}`);
    return parseAddresses(output.stdout, output.argv);
  }

  async #isBound(): Promise<boolean> {
    return (await this.#entries()).some((entry) => entry.local === this.config.vip);
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

/**
 * One `arping -D -c 1` run: exit 1 with "Received N response(s)", N > 0, is an answer; exit 0
 * (it sent its probe and waited its second out, or printed its summary on SIGINT) or the SIGINT
 * itself with "Sent N probes" tells how many went out. Anything else (exit 2: no such interface,
 * no permission) is a failure: nothing is bound on a probe that could not run.
 */
function parseDadOutput(output: CommandOutput): { readonly sent: number; readonly answered: boolean } {
  const sent = Number(/Sent (\d+) probe/.exec(output.stdout)?.[1] ?? "0");
  const received = Number(/Received (\d+) response/.exec(output.stdout)?.[1] ?? "0");
  if (output.exit_code === 1 && received > 0) return { sent: Math.max(sent, 1), answered: true };
  if (output.exit_code === 0 || output.exit_code === STOPPED_EXIT_CODE) {
    return { sent, answered: received > 0 };
  }
  throw commandFailed(output, "duplicate address probe");
}

/** IPv4 and IPv6 addresses, with their valid lifetime when shown, from `ip -j addr show dev X`. */
function parseAddresses(stdout: string, argv: readonly string[]): AddressEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (error) {
    throw new VipError("SP_ERR_VIP_BAD_OUTPUT", `${argv.join(" ")}: not JSON`, undefined, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new VipError("SP_ERR_VIP_BAD_OUTPUT", `${argv.join(" ")}: not a list`);
  const addresses: AddressEntry[] = [];
  for (const link of parsed as unknown[]) {
    const info = (link as { addr_info?: unknown }).addr_info;
    if (!Array.isArray(info)) continue;
    for (const entry of info as unknown[]) {
      const { local, valid_life_time } = entry as { local?: unknown; valid_life_time?: unknown };
      if (typeof local !== "string") continue;
      addresses.push({
        local,
        valid_life_time: typeof valid_life_time === "number" ? valid_life_time : null,
      });
    }
  }
  return addresses;
}
