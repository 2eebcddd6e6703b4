// One topology model for `status` and the live summary of `up`, read from an agent's REST API
// (GET /v1/masters, .../replicas, .../agents) or, as a fallback, its Sentinel port (SENTINEL
// MASTERS / REPLICAS / SENTINELS). Fields a path cannot give are null, never invented.
import { CliError, EXIT } from "../errors.js";
import type { Answer, Endpoint } from "./agents.js";
import { firstAnswer } from "./agents.js";
import { AgentUnreachable } from "./rest.js";
import { linkWord, replicaFlags } from "./words.js";
import type { RestAgent } from "./rest.js";
import { fieldsOf } from "./resp.js";
import type { RespAgent } from "./resp.js";
import { arrayOf, objectOf } from "./json.js";

export interface ReplicaView {
  readonly address: string;
  /** `up` or `down` from either port (words.ts), null while unknown. */
  readonly link_status: string | null;
  readonly offset: number | null;
  readonly lag_bytes: number | null;
  readonly lag_s: number | null;
  readonly priority: number | null;
  readonly flags: readonly string[];
}

export interface AgentView {
  readonly id: string;
  /** The answering agent itself (REST lists it; Sentinel's SENTINELS does not). */
  readonly self: boolean;
  readonly address: string;
  readonly last_seen_ms_ago: number | null;
  readonly leader_epoch: number | null;
  readonly sees_master_down: boolean | null;
}

export interface MasterView {
  readonly name: string;
  readonly address: string;
  readonly config_epoch: number | null;
  readonly flags: readonly string[];
  readonly quorum: number | null;
  readonly failover_state: string | null;
  readonly replicas: readonly ReplicaView[];
  readonly agents: readonly AgentView[];
  /**
   * Maintenance mode and the anti-flapping block, in one line (REST only; absent when neither
   * holds or the agent does not say).
   */
  readonly operator?: string;
}

export interface Topology {
  readonly masters: readonly MasterView[];
}

/** What one agent believes about one master: compared across agents by `status`. */
export interface AgentOpinion {
  readonly agent: string;
  readonly primary: string | null;
  readonly config_epoch: number | null;
  readonly error: string | null;
}

function num(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return null;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function strings(value: unknown): string[] {
  return arrayOf(value).filter((v): v is string => typeof v === "string");
}

export function addressText(value: unknown): string {
  const a = objectOf(value);
  const host = str(a["host"]) ?? "?";
  const port = num(a["port"]);
  return `${host.includes(":") ? `[${host}]` : host}:${port === null ? "?" : String(port)}`;
}

function iso(unix_ms: number | null): string {
  return unix_ms === null ? "?" : new Date(unix_ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `paused until <utc> by <who>` and/or `failover blocked until <utc>` from the REST `operator`. */
export function operatorLine(value: unknown): string | null {
  const o = objectOf(value);
  const parts: string[] = [];
  if (o["paused"] === true) {
    const pause = objectOf(o["pause"]);
    parts.push(`PAUSED until ${iso(num(pause["until_unix_ms"]))} by ${str(pause["by"]) ?? "?"}`);
  }
  const blocked = num(o["failover_blocked_until_unix_ms"]);
  if (blocked !== null) parts.push(`automatic failover blocked (anti-flapping) until ${iso(blocked)}`);
  return parts.length === 0 ? null : parts.join("; ");
}

export function masterFromRest(master: unknown, replicas: unknown, agents: unknown): MasterView {
  const m = objectOf(master);
  const failover = m["failover"] === null ? null : objectOf(m["failover"]);
  const operator = operatorLine(m["operator"]);
  return {
    ...(operator === null ? {} : { operator }),
    name: str(m["name"]) ?? "?",
    address: addressText(m["address"]),
    config_epoch: num(m["config_epoch"]),
    flags: strings(m["flags"]),
    quorum: num(m["quorum"]),
    failover_state: failover === null ? null : str(failover["state"]),
    replicas: arrayOf(objectOf(replicas)["replicas"]).map((r) => {
      const v = objectOf(r);
      const flags = strings(v["flags"]);
      return {
        address: addressText(v["address"]),
        link_status: linkWord(str(v["link_status"]), flags),
        offset: num(v["offset"]),
        lag_bytes: num(v["lag_bytes"]),
        lag_s: num(v["lag_s"]),
        priority: num(v["priority"]),
        flags: replicaFlags(flags),
      };
    }),
    agents: arrayOf(objectOf(agents)["agents"]).map((a) => {
      const v = objectOf(a);
      return {
        id: str(v["id"]) ?? "?",
        self: v["self"] === true,
        address: addressText(v["address"]),
        last_seen_ms_ago: num(v["last_seen_ms_ago"]),
        leader_epoch: num(v["leader_epoch"]),
        sees_master_down: typeof v["sees_master_down"] === "boolean" ? v["sees_master_down"] : null,
      };
    }),
  };
}

const path = (name: string, tail = ""): string => `/v1/masters/${encodeURIComponent(name)}${tail}`;

async function topologyFromRest(agent: RestAgent): Promise<Topology> {
  const names = arrayOf(objectOf(await agent.request("GET", "/v1/masters"))["masters"]).map(
    (m) => str(objectOf(m)["name"]) ?? "",
  );
  const masters: MasterView[] = [];
  for (const name of names.filter((n) => n !== "")) {
    const [master, replicas, agents] = await Promise.all([
      agent.request("GET", path(name)),
      agent.request("GET", path(name, "/replicas")),
      agent.request("GET", path(name, "/agents")),
    ]);
    masters.push(masterFromRest(master, replicas, agents));
  }
  return { masters };
}

export function masterFromResp(master: unknown, replicas: unknown, sentinels: unknown): MasterView {
  const m = fieldsOf(master);
  const state = m["failover-state"];
  return {
    name: m["name"] ?? "?",
    address: `${m["ip"] ?? "?"}:${m["port"] ?? "?"}`,
    config_epoch: num(m["config-epoch"]),
    flags: (m["flags"] ?? "").split(",").filter((f) => f !== ""),
    quorum: num(m["quorum"]),
    failover_state: state === undefined || state === "none" ? null : state,
    replicas: arrayOf(replicas).map((r) => {
      const v = fieldsOf(r);
      const flags = (v["flags"] ?? "").split(",").filter((f) => f !== "");
      return {
        address: `${v["ip"] ?? "?"}:${v["port"] ?? "?"}`,
        link_status: linkWord(v["master-link-status"] ?? null, flags),
        offset: num(v["slave-repl-offset"]),
        lag_bytes: null,
        lag_s: null,
        priority: num(v["slave-priority"] ?? v["replica-priority"]),
        flags: replicaFlags(flags),
      };
    }),
    agents: arrayOf(sentinels).map((s) => {
      const v = fieldsOf(s);
      return {
        id: v["runid"] ?? "?",
        self: false,
        address: `${v["ip"] ?? "?"}:${v["port"] ?? "?"}`,
        last_seen_ms_ago: num(v["last-ok-ping-reply"]),
        leader_epoch: num(v["leader-epoch"]),
        sees_master_down: (v["flags"] ?? "").includes("o_down") ? true : null,
      };
    }),
  };
}

async function topologyFromResp(agent: RespAgent): Promise<Topology> {
  const masters: MasterView[] = [];
  for (const m of arrayOf(await agent.command(["SENTINEL", "MASTERS"]))) {
    const name = fieldsOf(m)["name"];
    if (name === undefined) continue;
    const [replicas, sentinels] = await Promise.all([
      agent.command(["SENTINEL", "REPLICAS", name]),
      agent.command(["SENTINEL", "SENTINELS", name]),
    ]);
    masters.push(masterFromResp(m, replicas, sentinels));
  }
  return { masters };
}

export function readTopology(endpoints: readonly Endpoint[]): Promise<Answer<Topology>> {
  return firstAnswer(endpoints, { rest: topologyFromRest, resp: topologyFromResp });
}

/** Asks every agent (not just the first) where it sees the primary: their views side by side. */
export async function readOpinions(
  endpoints: readonly Endpoint[],
  master_name: string,
): Promise<AgentOpinion[]> {
  return Promise.all(
    endpoints.map(async (endpoint): Promise<AgentOpinion> => {
      const agent = endpoint.rest?.label ?? endpoint.resp?.label ?? "?";
      const failures: string[] = [];
      if (endpoint.rest !== null) {
        try {
          const m = objectOf(await endpoint.rest.request("GET", path(master_name)));
          return {
            agent,
            primary: addressText(m["address"]),
            config_epoch: num(m["config_epoch"]),
            error: null,
          };
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
          if (!(error instanceof AgentUnreachable) && endpoint.resp === null) {
            return { agent, primary: null, config_epoch: null, error: failures.join("; ") };
          }
        }
      }
      if (endpoint.resp !== null) {
        try {
          const m = fieldsOf(await endpoint.resp.command(["SENTINEL", "MASTER", master_name]));
          return {
            agent: endpoint.resp.label,
            primary: `${m["ip"] ?? "?"}:${m["port"] ?? "?"}`,
            config_epoch: num(m["config-epoch"]),
            error: null,
          };
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
      return { agent, primary: null, config_epoch: null, error: failures.join("; ") };
    }),
  );
}

/** The primary's address as one agent reports it (for waiting on a failover). */
export async function primaryOf(
  endpoints: readonly Endpoint[],
  master_name: string,
): Promise<Answer<string>> {
  return firstAnswer(endpoints, {
    rest: async (agent) => addressText(objectOf(await agent.request("GET", path(master_name)))["address"]),
    resp: async (agent) => {
      const reply = arrayOf(await agent.command(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", master_name]));
      const [host, port] = reply;
      // Sentinel answers a null array for a name it does not monitor.
      if (typeof host !== "string" || typeof port !== "string") {
        throw new CliError(EXIT.refused, "RESP_UNKNOWN_MASTER", `no master named ${master_name}`);
      }
      return `${host}:${port}`;
    },
  });
}
