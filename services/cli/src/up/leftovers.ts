// Processes of this cluster left by an `up` that could not clean up (SIGKILL, power loss): found
// by their command line or working directory inside the cluster directory (redis-server rewrites
// its title but keeps its cwd, the data dir), and killed before a new start.
import { readFileSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { sep } from "node:path";

/** Bounds the /proc scan (a machine with more processes than this is not scanned completely). */
const PROCESSES_SCANNED_MAX = 100_000;

export interface FoundProcess {
  readonly pid: number;
  readonly command: string;
}

function inside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir + sep);
}

const ANCESTORS_MAX = 64;

/** This process and its ancestors (a `timeout`, `npm` or shell that started us names `dir` too). */
export async function selfAndAncestors(): Promise<Set<number>> {
  const chain = new Set<number>([process.pid]);
  let pid = process.ppid;
  for (let depth = 0; depth < ANCESTORS_MAX && pid > 1 && !chain.has(pid); depth++) {
    chain.add(pid);
    const stat = await readFile(`/proc/${String(pid)}/stat`, "utf8").catch(() => "");
    // Fields after the command name: state, ppid, ...
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isInteger(ppid)) break;
    pid = ppid;
  }
  return chain;
}

/**
 * Processes whose command line names `dir` or whose cwd is inside it, except this process, its
 * ancestors, and other invocations of this CLI (`status --dir ...` is not a leftover).
 */
export async function processesUsing(dir: string): Promise<FoundProcess[]> {
  const excluded = await selfAndAncestors();
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return []; // no procfs: nothing we can find
  }
  const found: FoundProcess[] = [];
  for (const entry of entries.slice(0, PROCESSES_SCANNED_MAX)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (excluded.has(pid)) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, "utf8")
      .then((text) => text.split("\0").join(" ").trim())
      .catch(() => "");
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (command === "" || isCli(command)) continue;
    if (command.includes(dir) || inside(cwd, dir)) found.push({ pid, command });
  }
  return found;
}

/** Alive and not a zombie (an exited child nobody reaped yet counts as gone). */
function isCli(command: string): boolean {
  return (
    command.includes("bin/sentinel-plane") ||
    command.includes("services/cli/src/main.ts") ||
    command.includes("services/cli/dist/main.js")
  );
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    // The state follows the command name in parentheses, which may itself contain ")".
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The command line of a live process, or null. */
export async function commandOf(pid: number): Promise<string | null> {
  return readFile(`/proc/${String(pid)}/cmdline`, "utf8")
    .then((text) => text.split("\0").join(" ").trim())
    .catch(() => null);
}

/** SIGKILLs each process and waits (bounded) until they are gone; returns the ones still alive. */
export async function killAll(pids: readonly number[], deadline_ms: number): Promise<number[]> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const until = performance.now() + deadline_ms;
  let alive = pids.filter(isAlive);
  // No event exists for "a non-child process has exited": poll with a deadline.
  while (alive.length > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alive = alive.filter(isAlive);
  }
  return alive;
}
