// supervise mode, at start: is our redis-server already running? A data-node killed with -9 (or
// crashed) leaves its redis-server serving (a plain child, no pdeathsig). Its restart must attach
// to that server, not start a second one: the second fails with `bind: Address already in use`,
// and reporting it `exited` made the agents fail over a healthy primary and refuse `unfence`
// (issue 13, defect 2).
//
// Two pieces of evidence, either enough:
//   - the pid record (state_dir/redis-server.pid.json, written at every spawn): that pid is alive
//     and its command line is a redis-server started with our config file. Works for a server
//     that does not answer (stopped, busy loading);
//   - the port: a server there answers INFO server and its config_file is our config file (its
//     process_id is then the pid). A server on our port started from another file is not ours:
//     refused with SP_ERR_REDIS_NOT_OURS rather than adopted or fought over.
// Otherwise the server is started as usual. The decision is pure (decideAdoption); the I/O
// around it lives here too, small and in one place.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Type } from "typebox";
import { Compile } from "typebox/compile";
import { infoFields } from "@sentinel-plane/core";
import { spError } from "@sentinel-plane/protocol";
import type { Result, SpError } from "@sentinel-plane/protocol";
import {
  createRedisClient,
  errorMessage,
  readJsonFile,
  withDeadline,
  writeJsonAtomic,
} from "@sentinel-plane/runtime";
import type { TlsMaterial } from "@sentinel-plane/runtime";

export interface ChildRecord {
  readonly v: 1;
  readonly pid: number;
  readonly redis_config_path: string;
}

const ChildRecordSchema = Type.Object(
  {
    v: Type.Literal(1),
    pid: Type.Integer({ minimum: 1 }),
    redis_config_path: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
const validator = Compile(ChildRecordSchema);

/** What a running process with the recorded pid looks like (null: no such process). */
export interface RecordedProcess {
  readonly pid: number;
  /** /proc/<pid>/cmdline split on NUL; null when it cannot be read. */
  readonly argv: readonly string[] | null;
}

/** What our port says. */
export type PortProbe =
  | { readonly kind: "free" }
  | { readonly kind: "no_answer"; readonly error: string }
  | { readonly kind: "answered"; readonly pid: number | null; readonly config_file: string };

export type Adoption =
  | { readonly action: "spawn" }
  | { readonly action: "adopt"; readonly pid: number; readonly evidence: "pid_record" | "port" }
  | { readonly action: "refuse"; readonly error: SpError };

/** A redis-server command line naming our config file (as Supervisor.start spawns it). */
function isOurServer(argv: readonly string[], config_path: string): boolean {
  const [program, config] = argv;
  if (program === undefined || config === undefined) return false;
  // Redis rewrites its argv[0] to "redis-server *:port" (proc title): compare the name only.
  return /redis-server/.test(program) && resolve(config) === resolve(config_path);
}

export function decideAdoption(inputs: {
  readonly config_path: string;
  readonly recorded: RecordedProcess | null;
  readonly port: PortProbe;
}): Adoption {
  const recorded = inputs.recorded;
  if (recorded !== null && recorded.argv !== null && isOurServer(recorded.argv, inputs.config_path)) {
    return { action: "adopt", pid: recorded.pid, evidence: "pid_record" };
  }
  const port = inputs.port;
  if (port.kind === "answered") {
    if (port.config_file === "" || resolve(port.config_file) !== resolve(inputs.config_path)) {
      const detail = `a redis-server started from "${port.config_file || "no config file"}" holds the port`;
      return { action: "refuse", error: spError("SP_ERR_REDIS_NOT_OURS", [detail]) };
    }
    if (port.pid === null) {
      return {
        action: "refuse",
        error: spError("SP_ERR_REDIS_NOT_OURS", [
          "INFO server of the redis-server on the port has no process_id",
        ]),
      };
    }
    return { action: "adopt", pid: port.pid, evidence: "port" };
  }
  // no_answer without a live recorded server: the start fails on the port and says so (exited).
  return { action: "spawn" };
}

export function childRecordPath(state_dir: string): string {
  return join(state_dir, "redis-server.pid.json");
}

export function writeChildRecord(state_dir: string, record: ChildRecord): Promise<Result<void>> {
  return writeJsonAtomic(childRecordPath(state_dir), record);
}

/**
 * Whether a process with this pid runs (EPERM: it exists, owned by someone else). A zombie does
 * not run: an adopted server is not our child, and whoever inherited it (init, a subreaper) may
 * reap it late (measured here: about 1.2 s), while kill(pid, 0) still succeeds.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** /proc/<pid>/stat's state field (after the parenthesised name) is Z or X; false off Linux. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

/** The recorded pid, when that process still runs (its command line read from /proc). */
export async function readRecordedProcess(state_dir: string): Promise<RecordedProcess | null> {
  const record = await readJsonFile<ChildRecord>(childRecordPath(state_dir), (value) =>
    validator.Check(value) ? { ok: true, value } : { ok: false, error: "invalid pid record" },
  );
  if (!record.ok || record.value === null) return null;
  const pid = record.value.pid;
  if (!pidAlive(pid)) return null;
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
    return { pid, argv: cmdline.split("\0").filter((arg) => arg !== "") };
  } catch {
    return { pid, argv: null };
  }
}

export interface PortProbeOptions {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
  readonly tls?: TlsMaterial;
  readonly timeout_ms: number;
}

/** One INFO server on our port, within timeout_ms; no retry. */
export async function probePort(options: PortProbeOptions): Promise<PortProbe> {
  const client = createRedisClient({
    host: options.host,
    port: options.port,
    ...(options.user === undefined ? {} : { username: options.user }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    connection_name: "sp-data-node-adopt",
    connect_timeout_ms: options.timeout_ms,
    command_timeout_ms: options.timeout_ms,
    retry_base_ms: 50,
    retry_max_ms: 50,
  });
  // Failures are the answer here (ECONNREFUSED: nobody listens), not noise for the console.
  client.on("error", () => undefined);
  try {
    const text = await withDeadline(
      client.connect().then(() => client.call("INFO", "server") as Promise<string>),
      options.timeout_ms,
      () => new Error(`no answer within ${options.timeout_ms} ms`),
    );
    const fields = infoFields(text);
    const pid = Number(fields.get("process_id"));
    return {
      kind: "answered",
      pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null,
      config_file: fields.get("config_file") ?? "",
    };
  } catch (error) {
    const message = errorMessage(error);
    if (/ECONNREFUSED/.test(message)) return { kind: "free" };
    return { kind: "no_answer", error: message };
  } finally {
    client.disconnect();
  }
}
