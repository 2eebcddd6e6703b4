// supervise mode: the Redis watchdog beside the supervised (or adopted) redis-server, the shell
// side of libs/core data-node watchdog.ts (the rule, the protocol and the timing argument). It
// spawns the watchdog (watchdog-script.ts: bash, detached, so it outlives this process), writes
// the lines node.ts decides on its pipe (fd 3), and records its pid in
// state_dir/redis-watchdog.pid.json, so a restarted data-node that adopts the server finds it and
// replaces it once the server is seen fenced or a replica (adoptedWatchdogReplaceable).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Socket } from "node:net";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { Type } from "typebox";
import { Compile } from "typebox/compile";
import {
  adoptedWatchdogReplaceable,
  encodeWatchdogLine,
  parseUptimeMs,
  wireLine,
} from "@sentinel-plane/core/data-node";
import type { WatchdogLine } from "@sentinel-plane/core/data-node";
import type { Logger } from "@sentinel-plane/runtime";
import { errorMessage, readJsonFile, writeJsonAtomic } from "@sentinel-plane/runtime";
import { pidAlive } from "./adopt.js";
import type { OrphanFenceCommand } from "./orphan-fence.js";
import { WATCHDOG_NAME, WATCHDOG_SCRIPT } from "./watchdog-script.js";

/** The host's clock as the watchdog reads it (/proc/uptime), in ms; null when unreadable. */
export function hostNowMs(): number | null {
  try {
    return parseUptimeMs(readFileSync("/proc/uptime", "utf8"));
  } catch {
    return null;
  }
}

export interface WatchdogRecord {
  readonly v: 1;
  readonly pid: number;
  readonly redis_pid: number;
}

const RecordSchema = Type.Object(
  { v: Type.Literal(1), pid: Type.Integer({ minimum: 1 }), redis_pid: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
const validator = Compile(RecordSchema);

export function watchdogRecordPath(state_dir: string): string {
  return join(state_dir, "redis-watchdog.pid.json");
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null when unreadable. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null; // fields[0] is field 3 (state)
  } catch {
    return null;
  }
}

/** A command line of a watchdog of `redis_pid` (bash -c SCRIPT sp-redis-watchdog PID START). */
export function isWatchdogOf(argv: readonly string[], redis_pid: number): boolean {
  return argv[3] === WATCHDOG_NAME && argv[4] === String(redis_pid);
}

function commandLine(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((arg) => arg !== "");
  } catch {
    return null;
  }
}

/** The minimum change of an `arm` deadline worth a line (every evaluation would repeat it). */
const ARM_RESEND_MS = 2;

interface Own {
  readonly child: ChildProcess;
  readonly pipe: Writable;
  readonly redis_pid: number;
  last: { readonly kind: WatchdogLine["kind"]; readonly deadline_ms: number } | null;
}

export class RedisWatchdog {
  #own: Own | null = null;
  /** A predecessor's watchdog, left until the server is seen not writable (adopt). */
  #previous: { readonly pid: number; readonly redis_pid: number } | null = null;
  /** The server watched (null: none running). */
  #redis_pid: number | null = null;

  readonly #state_dir: string;
  readonly #logger: Logger;
  /** The orphan fence's command line (orphan-fence.ts); null: none, the kill alone. */
  readonly #fence: OrphanFenceCommand | null;
  constructor(state_dir: string, logger: Logger, fence: OrphanFenceCommand | null) {
    this.#state_dir = state_dir;
    this.#logger = logger;
    this.#fence = fence;
  }

  /** For tests and logs. */
  get pid(): number | null {
    return this.#own?.child.pid ?? null;
  }

  /** A server this process started: its own watchdog at once (disarmed: it starts fenced). */
  serverStarted(redis_pid: number): void {
    this.detach();
    this.#redis_pid = redis_pid;
    this.#previous = null;
    this.#spawnOwn(redis_pid);
  }

  /**
   * An adopted server: a predecessor's watchdog that still runs keeps watching it until
   * `send` sees the server fenced or a replica; without one, ours starts at once.
   */
  async serverAdopted(redis_pid: number): Promise<void> {
    this.detach();
    this.#redis_pid = redis_pid;
    const record = await readJsonFile<WatchdogRecord>(watchdogRecordPath(this.#state_dir), (value) =>
      validator.Check(value) ? { ok: true, value } : { ok: false, error: "invalid watchdog record" },
    );
    const found = record.ok ? record.value : null;
    if (found !== null && found.redis_pid === redis_pid && this.#isLiveWatchdog(found.pid, redis_pid)) {
      this.#previous = { pid: found.pid, redis_pid };
      this.#logger.info(
        { event: "watchdog_previous", pid: found.pid, redis_pid },
        "the previous data-node's watchdog still watches the adopted server: replaced once it is fenced",
      );
      return;
    }
    this.#spawnOwn(redis_pid);
  }

  /** The server exited: its watchdog has nothing left to watch. */
  serverExited(): void {
    this.detach();
    this.#redis_pid = null;
    this.#previous = null;
  }

  /**
   * Sends `line` (null: nothing) once this process feeds the watchdog; `server` is the last
   * answered view, for the replacement of a predecessor's watchdog.
   */
  send(
    line: WatchdogLine | null,
    now_ms: number,
    server: { readonly role: "master" | "slave" | null; readonly fenced: boolean } | null,
  ): void {
    const own = this.#ensureOwn(server);
    if (own === null || line === null) return;
    const deadline_ms = line.kind === "arm" ? now_ms + line.remaining_ms : 0;
    const last = own.last;
    if (
      last !== null &&
      last.kind === line.kind &&
      (line.kind !== "arm" || Math.abs(last.deadline_ms - deadline_ms) < ARM_RESEND_MS)
    ) {
      return;
    }
    // An arm names its deadline on the watchdog's own clock (core watchdog.ts wireLine).
    const host_now_ms = line.kind === "arm" ? hostNowMs() : 0;
    if (host_now_ms === null) {
      // Not written: the deadline the watchdog has stands (fails closed).
      this.#logger.error({ event: "watchdog_clock_unreadable" }, "cannot read /proc/uptime: arm not sent");
      return;
    }
    own.last = { kind: line.kind, deadline_ms };
    own.pipe.write(encodeWatchdogLine(wireLine(line, host_now_ms)));
    if (last?.kind !== line.kind) {
      this.#logger.info(
        {
          event: "watchdog_line",
          line: line.kind,
          ...(line.kind === "arm" ? { remaining_ms: line.remaining_ms } : {}),
        },
        line.kind === "arm" ? "watchdog armed" : "watchdog disarmed",
      );
    }
  }

  /** Graceful end (SIGTERM, the server exited or replaced): the watchdog exits, the server stays. */
  detach(): void {
    const own = this.#own;
    if (own === null) return;
    this.#own = null;
    own.pipe.end(encodeWatchdogLine({ kind: "detach" }));
  }

  #ensureOwn(
    server: { readonly role: "master" | "slave" | null; readonly fenced: boolean } | null,
  ): Own | null {
    if (this.#own !== null) return this.#own;
    const redis_pid = this.#redis_pid;
    if (redis_pid === null) return null;
    const previous = this.#previous;
    if (previous !== null) {
      if (!adoptedWatchdogReplaceable(server)) return null;
      this.#previous = null;
      if (this.#isLiveWatchdog(previous.pid, previous.redis_pid)) {
        try {
          process.kill(previous.pid, "SIGKILL");
        } catch (error) {
          this.#logger.warn({ event: "watchdog_replace_failed", error: errorMessage(error) }, "kill failed");
        }
        this.#logger.info(
          { event: "watchdog_replaced", previous: previous.pid },
          "server seen fenced or a replica: the previous data-node's watchdog replaced",
        );
      }
    }
    // Also after an unexpected exit of ours (an operator's kill): a new one watches on.
    return this.#spawnOwn(redis_pid);
  }

  #isLiveWatchdog(pid: number, redis_pid: number): boolean {
    if (!pidAlive(pid)) return false;
    const argv = commandLine(pid);
    return argv !== null && isWatchdogOf(argv, redis_pid);
  }

  #spawnOwn(redis_pid: number): Own | null {
    const start = processStartTime(redis_pid);
    if (start === null) {
      this.#logger.error({ event: "watchdog_not_started", redis_pid }, "no /proc stat for the server");
      return null;
    }
    const fence = this.#fence;
    const args = ["-c", WATCHDOG_SCRIPT, WATCHDOG_NAME, String(redis_pid), start, ...(fence?.argv ?? [])];
    const child = spawn("bash", args, {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
      env: { ...process.env, ...fence?.env },
      detached: true, // its own session: it outlives us, and a terminal's signals are not its
    });
    const pipe = child.stdio[3];
    if (!(pipe instanceof Writable)) throw new Error("watchdog pipe is not writable");
    // Neither keeps this process alive: the watchdog is meant to outlive it.
    child.unref();
    for (const stream of [pipe, child.stderr]) if (stream instanceof Socket) stream.unref();
    pipe.on("error", (error) => {
      this.#logger.warn({ event: "watchdog_pipe_error", error: error.message }, "watchdog pipe error");
    });
    if (child.stderr !== null) {
      createInterface({ input: child.stderr, crlfDelay: Infinity }).on("line", (line) => {
        this.#logger.warn({ event: "watchdog_output", line }, "redis watchdog");
      });
    }
    const own: Own = { child, pipe, redis_pid, last: null };
    child.once("exit", (code, signal) => {
      if (this.#own === own) this.#own = null;
      this.#logger.info(
        { event: "watchdog_exited", pid: child.pid ?? null, code, signal },
        "watchdog exited",
      );
    });
    child.on("error", (error) => {
      if (this.#own === own) this.#own = null;
      this.#logger.error(
        { event: "watchdog_spawn_failed", error: error.message },
        "cannot start the watchdog",
      );
    });
    this.#own = own;
    const pid = child.pid;
    if (pid !== undefined) {
      this.#logger.info({ event: "watchdog_started", pid, redis_pid }, "redis watchdog started");
      const record: WatchdogRecord = { v: 1, pid, redis_pid };
      writeJsonAtomic(watchdogRecordPath(this.#state_dir), record).then(
        (written) => {
          if (!written.ok)
            this.#logger.warn(
              { event: "watchdog_record_failed", error: written.error.message },
              "not recorded",
            );
        },
        (error: unknown) => {
          this.#logger.warn({ event: "watchdog_record_failed", error: errorMessage(error) }, "not recorded");
        },
      );
    }
    return own;
  }
}
