// Processes of this cluster left by an `up` that could not clean up (SIGKILL, power loss). Only
// what `up` itself started is ever killed: the PIDs in the run record, each with the start time
// the kernel gave it (so a PID reused by another program since is not taken for ours). Nothing is
// found by its command line or working directory: a `sentinel-plane events --dir ...` in another
// terminal, an `npm exec` wrapping it, a `tail -f` of a log or a shell sitting in the directory
// are not ours (an earlier version killed such processes).
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { errnoCode } from "../errors.js";

/** Bounds the /proc scan for members of a process group. */
const PROCESSES_SCANNED_MAX = 100_000;

export interface FoundProcess {
  readonly pid: number;
  readonly command: string;
}

/** A process `up` started, as the run record keeps it. */
export interface OwnProcess {
  readonly name: string;
  readonly pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks after boot): the process's identity with the PID. */
  readonly start_ticks?: number;
}

/** Fields after the command name (which may contain spaces and ")"): state is [0]. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** When the process started (clock ticks after boot), or null when there is no such process. */
export function startTicks(pid: number): number | null {
  const value = Number(statFields(pid)?.[19]);
  return Number.isSafeInteger(value) ? value : null;
}

function processGroup(pid: number): number | null {
  const value = Number(statFields(pid)?.[2]);
  return Number.isSafeInteger(value) ? value : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) !== "EPERM") return false;
  }
  // An exited child nobody reaped yet (a zombie) counts as gone.
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== "Z";
}

/** The command line of a live process, or null. */
export async function commandOf(pid: number): Promise<string | null> {
  return readFile(`/proc/${String(pid)}/cmdline`, "utf8")
    .then((text) => text.split("\0").join(" ").trim())
    .catch(() => null);
}

/**
 * The recorded processes still running as the same process: alive, and started at the recorded
 * time. A record without a start time (written by an older version) proves nothing: skipped.
 */
export function recordedLeftovers(recorded: readonly OwnProcess[]): OwnProcess[] {
  return recorded.filter(
    (p) => p.start_ticks !== undefined && isAlive(p.pid) && startTicks(p.pid) === p.start_ticks,
  );
}

/**
 * Live processes in the process groups led by `leaders` (each child of `up` leads its own group:
 * a data-node with its redis-server, a vip-manager with its hook scripts). Called right after
 * `up` stopped those leaders, so the group ids are still ours.
 */
export async function groupMembers(leaders: readonly number[]): Promise<number[]> {
  if (leaders.length === 0) return [];
  const groups = new Set(leaders);
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return []; // no procfs: nothing we can find
  }
  const found: number[] = [];
  for (const entry of entries.slice(0, PROCESSES_SCANNED_MAX)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const group = processGroup(pid);
    if (group !== null && groups.has(group) && isAlive(pid)) found.push(pid);
  }
  return found;
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
