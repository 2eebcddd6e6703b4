// `monitor`, `remove` and `set`: changes to what the agents monitor. Through the REST API (one
// agent, which shares the change through the control plane); when no REST API answers, through
// the Sentinel port of *every* agent, as one would configure Redis Sentinel (each sentinel keeps
// its own configuration), reporting on how many it was applied.
import type { Endpoint } from "../client/agents.js";
import { firstAnswer } from "../client/agents.js";
import { AgentUnreachable } from "../client/rest.js";
import type { HttpMethod } from "../client/rest.js";
import { CliError, EXIT } from "../errors.js";
import type { Context } from "./context.js";
import { print } from "./context.js";
import { settable } from "./settable.js";

export function integer(text: string, what: string, min: number): number {
  if (!/^-?\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text)))
    throw new CliError(EXIT.usage, "CLI_BAD_VALUE", `${what}: expected an integer >= ${min}, got "${text}"`);
  return Number(text);
}

interface Change {
  readonly what: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly body?: unknown;
  /** SENTINEL commands run on each agent, in order, for the fallback. */
  readonly resp: readonly (readonly string[])[];
}

async function onEveryRespAgent(
  endpoints: readonly Endpoint[],
  change: Change,
): Promise<{ applied: string[]; failed: string[] }> {
  const applied: string[] = [];
  const failed: string[] = [];
  for (const endpoint of endpoints) {
    if (endpoint.resp === null) continue;
    try {
      for (const command of change.resp) await endpoint.resp.command(command);
      applied.push(endpoint.resp.label);
    } catch (error) {
      if (error instanceof CliError) throw error; // refused: the same on every agent
      failed.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { applied, failed };
}

async function apply(context: Context, change: Change): Promise<void> {
  const rest_endpoints = context.endpoints.filter((e) => e.rest !== null);
  try {
    if (rest_endpoints.length === 0) throw new AgentUnreachable("REST", "no REST endpoint given");
    const answer = await firstAnswer(rest_endpoints, {
      rest: (agent) => agent.request(change.method, change.path, change.body),
    });
    print(context, `${change.what}: done by ${answer.via}`, {
      ok: true,
      via: answer.via,
      path: "rest",
      response: answer.value,
    });
    return;
  } catch (error) {
    const rest_down =
      error instanceof AgentUnreachable ||
      (error instanceof CliError && error.code === "CLI_NO_AGENT_REACHABLE");
    if (!rest_down || !context.endpoints.some((e) => e.resp !== null)) throw error;
  }
  const { applied, failed } = await onEveryRespAgent(context.endpoints, change);
  if (applied.length === 0)
    throw new CliError(
      EXIT.unreachable,
      "CLI_NO_AGENT_REACHABLE",
      `no agent answered:\n  ${failed.join("\n  ")}`,
    );
  const total = context.endpoints.filter((e) => e.resp !== null).length;
  print(
    context,
    `${change.what}: applied on ${applied.length}/${total} agents through the Sentinel port (REST did not answer)` +
      (failed.length > 0 ? `\n  not reached: ${failed.join("\n  ")}` : ""),
    { ok: true, path: "resp", applied, failed },
  );
  if (failed.length > 0) process.exitCode = EXIT.unreachable;
}

const masterPath = (name: string): string => `/v1/masters/${encodeURIComponent(name)}`;

export interface MonitorOptions {
  readonly downAfterMs?: string;
  readonly failoverTimeoutMs?: string;
  readonly parallelSyncs?: string;
}

export async function monitor(
  context: Context,
  name: string,
  host: string,
  port_text: string,
  quorum_text: string,
  options: MonitorOptions,
): Promise<void> {
  const port = integer(port_text, "port", 1);
  const quorum = integer(quorum_text, "quorum", 1);
  const extras: [string, string, number][] = [];
  if (options.downAfterMs !== undefined)
    extras.push([
      "down_after_ms",
      "down-after-milliseconds",
      integer(options.downAfterMs, "--down-after-ms", 1),
    ]);
  if (options.failoverTimeoutMs !== undefined)
    extras.push([
      "failover_timeout_ms",
      "failover-timeout",
      integer(options.failoverTimeoutMs, "--failover-timeout-ms", 1),
    ]);
  if (options.parallelSyncs !== undefined)
    extras.push(["parallel_syncs", "parallel-syncs", integer(options.parallelSyncs, "--parallel-syncs", 1)]);
  await apply(context, {
    what: `monitor ${name} ${host}:${port} quorum ${quorum}`,
    method: "PUT",
    path: masterPath(name),
    body: { host, port, quorum, ...Object.fromEntries(extras.map(([rest, , v]) => [rest, v])) },
    resp: [
      ["SENTINEL", "MONITOR", name, host, String(port), String(quorum)],
      ...extras.map(([, sentinel, v]) => ["SENTINEL", "SET", name, sentinel, String(v)]),
    ],
  });
}

export async function remove(context: Context, name: string): Promise<void> {
  await apply(context, {
    what: `remove ${name}`,
    method: "DELETE",
    path: masterPath(name),
    resp: [["SENTINEL", "REMOVE", name]],
  });
}

export async function set(context: Context, name: string, option: string, value_text: string): Promise<void> {
  const target = settable(option);
  const value = integer(value_text, option, 0);
  await apply(context, {
    what: `set ${name} ${target.sentinel} ${value}`,
    method: "PATCH",
    path: masterPath(name),
    body: { [target.rest]: value },
    resp: [["SENTINEL", "SET", name, target.sentinel, String(value)]],
  });
}

/** SENTINEL RESET of one master: forget its replicas and agents, rediscover them. */
export async function reset(context: Context, name: string): Promise<void> {
  await apply(context, {
    what: `reset ${name}`,
    method: "POST",
    path: `${masterPath(name)}/reset`,
    resp: [["SENTINEL", "RESET", name]],
  });
}
