// CPU and memory of a running process from /proc (Linux): CPU % over a window is the growth of
// utime + stime (clock ticks, all threads of the process) divided by the wall time, so 100 % is
// one core busy; RSS and its high-water mark from /proc/<pid>/status. Reading /proc costs the
// measured processes nothing, unlike sampling with ps or top.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let clk_tck_cached: number | null = null;

/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux almost everywhere). */
export function clockTicksPerSecond(): number {
  if (clk_tck_cached === null) {
    const text = execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 5000 }).trim();
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`getconf CLK_TCK: unexpected ${text}`);
    clk_tck_cached = value;
  }
  return clk_tck_cached;
}

/** utime + stime of the process in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`/proc/${pid}/stat: unparsable`);
  return utime + stime;
}

export interface MemoryKb {
  /** Resident set size now (VmRSS). */
  readonly rss_kb: number;
  /** Peak resident set size since the process started (VmHWM). */
  readonly hwm_kb: number;
  /**
   * The private part of VmRSS (RssAnon: heap, stacks, malloc). The rest is mostly file pages of
   * the executable and libraries (RssFile), shared by every process running the same binary.
   */
  readonly anon_kb: number;
}

export function memoryKb(pid: number): MemoryKb {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    if (match?.[1] === undefined) throw new Error(`/proc/${pid}/status: no ${name}`);
    return Number(match[1]);
  };
  return { rss_kb: field("VmRSS"), hwm_kb: field("VmHWM"), anon_kb: field("RssAnon") };
}

/** A CPU measurement in progress over several processes, started by `startCpuWindow`. */
export interface CpuWindow {
  /** CPU % (100 = one core) of each process since the start, keyed by the caller's labels. */
  finish(): { readonly elapsed_s: number; readonly cpu_pct: Readonly<Record<string, number>> };
}

export function startCpuWindow(pids: Readonly<Record<string, number>>): CpuWindow {
  const tck = clockTicksPerSecond();
  const start_ms = performance.now();
  const start = Object.fromEntries(Object.entries(pids).map(([label, pid]) => [label, cpuTicks(pid)]));
  return {
    finish: () => {
      const elapsed_s = (performance.now() - start_ms) / 1000;
      const cpu_pct = Object.fromEntries(
        Object.entries(pids).map(([label, pid]) => {
          const ticks = cpuTicks(pid) - (start[label] ?? Number.NaN);
          return [label, (ticks / tck / elapsed_s) * 100];
        }),
      );
      return { elapsed_s, cpu_pct };
    },
  };
}
