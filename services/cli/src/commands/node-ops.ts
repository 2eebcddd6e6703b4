// `reinit <name> <host:port>` (drop a replica's data, full resync from the primary) and
// `reset-restarts <name> <host:port>` (end a node's crash loop) and `shutdown <name> <host:port>`
// (a planned stop; a primary switches over first): REST only, relayed by the agent
// to the node's data-node (issue 18).
import { firstAnswer } from "../client/agents.js";
import type { Context } from "./context.js";
import { print } from "./context.js";

function doneOf(value: unknown): string[] {
  if (typeof value !== "object" || value === null || !("done" in value) || !Array.isArray(value.done))
    return [];
  return value.done.filter((line): line is string => typeof line === "string");
}

async function relay(context: Context, path: string, what: string): Promise<void> {
  const answer = await firstAnswer(context.endpoints, {
    rest: (agent) => agent.request("POST", path),
  });
  const done = doneOf(answer.value);
  print(context, [`${what} (via ${answer.via})`, ...done.map((line) => `  ${line}`)].join("\n"), {
    ...(typeof answer.value === "object" && answer.value !== null ? answer.value : {}),
    via: answer.via,
  });
}

export async function reinit(context: Context, name: string, address: string): Promise<void> {
  const path = `/v1/masters/${encodeURIComponent(name)}/replicas/${encodeURIComponent(address)}/reinit`;
  await relay(context, path, `reinit of ${address} (${name}): data dropped, full resync started`);
}

export async function resetRestarts(context: Context, name: string, address: string): Promise<void> {
  const path = `/v1/masters/${encodeURIComponent(name)}/nodes/${encodeURIComponent(address)}/reset-restarts`;
  await relay(context, path, `restarts of ${address} (${name}) reset`);
}

export async function shutdown(context: Context, name: string, address: string): Promise<void> {
  const path = `/v1/masters/${encodeURIComponent(name)}/nodes/${encodeURIComponent(address)}/shutdown`;
  await relay(context, path, `shutdown of ${address} (${name}) started: a primary switches over first`);
}
