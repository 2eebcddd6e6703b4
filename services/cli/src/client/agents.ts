// Which agents a command talks to, and the rule for trying them: each agent in turn, its REST API
// first, its Sentinel port (RESP) when REST cannot be reached; the first answer wins. A refusal
// (problem+json, a RESP error reply) is final: another agent would refuse the same change.
import { CliError, EXIT } from "../errors.js";
import type { ClusterSettings } from "../state/cluster-state.js";
import { LOOPBACK } from "../up/ports.js";
import { AgentUnreachable, RestAgent } from "./rest.js";
import { RespAgent } from "./resp.js";

export interface Endpoint {
  readonly rest: RestAgent | null;
  readonly resp: RespAgent | null;
}

export interface EndpointOptions {
  readonly agents: readonly string[];
  readonly sentinels: readonly string[];
  readonly token: string | null;
  /** AUTH on the Sentinel port; null: the local cluster's, or none. */
  readonly sentinel_password?: string | null;
  readonly timeout_ms: number;
  /** PEM of the CA of https agents (`--cacert`). */
  readonly ca?: string;
  /** The local cluster was made with `up --tls`: https and RESP over TLS with these. */
  readonly local_tls?: { readonly ca: string; readonly cert: string; readonly key: string };
}

/** `host:port` or `[v6]:port`. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (match === null) return null;
  const port = Number(match[3]);
  const host = match[1] ?? match[2];
  if (host === undefined || port < 1 || port > 65535) return null;
  return { host, port };
}

export function parseAgentUrl(text: string): string | null {
  if (!URL.canParse(text)) return null;
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return url.origin;
}

/** Endpoints from `--agent` / `--sentinel`, else the local cluster's agents. */
export function resolveEndpoints(options: EndpointOptions, local: ClusterSettings | null): Endpoint[] {
  const explicit: Endpoint[] = [];
  for (const text of options.agents.flatMap((a) => a.split(","))) {
    const base_url = parseAgentUrl(text);
    if (base_url === null)
      throw new CliError(EXIT.usage, "CLI_BAD_AGENT", `--agent expects http://host:port, got "${text}"`);
    explicit.push({
      rest: new RestAgent({
        base_url,
        token: options.token,
        timeout_ms: options.timeout_ms,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      }),
      resp: null,
    });
  }
  for (const text of options.sentinels.flatMap((s) => s.split(","))) {
    const address = parseHostPort(text);
    if (address === null)
      throw new CliError(EXIT.usage, "CLI_BAD_SENTINEL", `--sentinel expects host:port, got "${text}"`);
    const password = options.sentinel_password ?? null;
    explicit.push({
      rest: null,
      resp: new RespAgent({
        ...address,
        ...(password === null || password === "" ? {} : { password }),
        timeout_ms: options.timeout_ms,
      }),
    });
  }
  if (explicit.length > 0) return explicit;
  if (local === null) return [];
  const token = options.token ?? local.rest_token;
  const password = options.sentinel_password ?? local.sentinel_password ?? null;
  const tls = options.local_tls;
  return local.ports.rest.map((rest_port, i) => {
    const resp_port = local.ports.sentinel[i];
    return {
      rest: new RestAgent({
        base_url: `${tls === undefined ? "http" : "https"}://${LOOPBACK}:${rest_port}`,
        token,
        timeout_ms: options.timeout_ms,
        ...(tls === undefined ? {} : { ca: tls.ca }),
      }),
      resp:
        resp_port === undefined
          ? null
          : new RespAgent({
              host: LOOPBACK,
              port: resp_port,
              ...(password === null ? {} : { password }),
              timeout_ms: options.timeout_ms,
              ...(tls === undefined ? {} : { tls }),
            }),
    };
  });
}

export interface Answer<T> {
  readonly value: T;
  /** Which agent and path answered, e.g. `http://127.0.0.1:8080` or `127.0.0.1:26379 (RESP)`. */
  readonly via: string;
  readonly path: "rest" | "resp";
}

export interface Operation<T> {
  /** Absent: the operation is asked on the Sentinel port only. */
  readonly rest?: (agent: RestAgent) => Promise<T>;
  /** Absent: the operation exists only in the REST API. */
  readonly resp?: (agent: RespAgent) => Promise<T>;
}

/** Runs the operation against the first agent that answers. */
export async function firstAnswer<T>(endpoints: readonly Endpoint[], op: Operation<T>): Promise<Answer<T>> {
  if (endpoints.length === 0) {
    throw new CliError(
      EXIT.usage,
      "CLI_NO_AGENT",
      "no agent to ask: pass --agent http://host:port (or --sentinel host:port), or start a local cluster with `sentinel-plane up`",
    );
  }
  const failures: string[] = [];
  for (const endpoint of endpoints) {
    if (endpoint.rest !== null && op.rest !== undefined) {
      try {
        return { value: await op.rest(endpoint.rest), via: endpoint.rest.label, path: "rest" };
      } catch (error) {
        if (!(error instanceof AgentUnreachable)) throw error;
        failures.push(error.message);
      }
    }
    if (endpoint.resp !== null && op.resp !== undefined) {
      try {
        return { value: await op.resp(endpoint.resp), via: endpoint.resp.label, path: "resp" };
      } catch (error) {
        if (!(error instanceof AgentUnreachable)) throw error;
        failures.push(error.message);
      }
    }
  }
  if (failures.length === 0) {
    throw new CliError(
      EXIT.usage,
      "CLI_NO_PATH",
      op.rest === undefined
        ? "this operation needs an agent's Sentinel port: pass --sentinel host:port"
        : "this operation needs an agent's REST API: pass --agent http://host:port",
    );
  }
  throw new CliError(
    EXIT.unreachable,
    "CLI_NO_AGENT_REACHABLE",
    `no agent answered:\n  ${failures.join("\n  ")}`,
  );
}
