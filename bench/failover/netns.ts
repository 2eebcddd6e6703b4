// The benchmark runs inside a private network namespace (`unshare --net`): its loopback is its
// own, so the partition's iptables rules touch nothing outside it, and the namespace (rules
// included) disappears with the last process in it. The parent only waits and forwards signals.
import { execFileSync, spawn } from "node:child_process";
import { readlinkSync } from "node:fs";
import { constants } from "node:os";

const INSIDE_ENV = "SP_BENCH_NETNS_PARENT";
/** Our own chain, jumped to from INPUT: the partition's rules live there and nowhere else. */
export const PARTITION_CHAIN = "SP_BENCH_PARTITION";

function netnsId(): string {
  return readlinkSync("/proc/self/ns/net");
}

/**
 * In the parent: re-runs this same command under `unshare --net` and resolves with its exit code
 * (the caller exits with it). In the child: brings loopback up and resolves null.
 */
export async function enterPrivateNetns(): Promise<number | null> {
  const parent = process.env[INSIDE_ENV];
  if (parent !== undefined) {
    if (parent === netnsId()) throw new Error("not in a private network namespace");
    execFileSync("ip", ["link", "set", "lo", "up"], { timeout: 5000 });
    return null;
  }
  const child = spawn(
    "unshare",
    ["--net", "--", process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: "inherit", env: { ...process.env, [INSIDE_ENV]: netnsId() } },
  );
  // Signals are passed on (Ctrl-C also reaches the child through the terminal's process group;
  // it cleans up once however often it is told): the child tears down and we exit with its code.
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}

function iptables(args: readonly string[]): void {
  execFileSync("iptables", ["-w", "5", ...args], { timeout: 10_000, stdio: ["ignore", "ignore", "pipe"] });
}

/** Creates the (empty) partition chain; call once inside the private namespace. */
export function preparePartitionChain(): void {
  if (process.env[INSIDE_ENV] === undefined) throw new Error("iptables outside the private namespace");
  iptables(["-N", PARTITION_CHAIN]);
  iptables(["-I", "INPUT", "-j", PARTITION_CHAIN]);
}

/**
 * Drops every TCP packet to and from `port` (on lo every packet passes INPUT, so this cuts both
 * directions of every connection, existing or new). Both rules go in with one iptables-restore,
 * synchronously: the caller takes its clock around this call.
 */
export function cutPort(port: number): void {
  const rules = [
    "*filter",
    `-A ${PARTITION_CHAIN} -p tcp --dport ${port} -j DROP`,
    `-A ${PARTITION_CHAIN} -p tcp --sport ${port} -j DROP`,
    "COMMIT",
    "",
  ].join("\n");
  execFileSync("iptables-restore", ["-w", "5", "--noflush"], { input: rules, timeout: 10_000 });
}

/** Removes every partition rule (idempotent). */
export function healAll(): void {
  iptables(["-F", PARTITION_CHAIN]);
}

/** Removes the chain and its jump; the namespace goes away with the process anyway. */
export function removePartitionChain(): void {
  try {
    iptables(["-F", PARTITION_CHAIN]);
    iptables(["-D", "INPUT", "-j", PARTITION_CHAIN]);
    iptables(["-X", PARTITION_CHAIN]);
  } catch {
    // already gone
  }
}
