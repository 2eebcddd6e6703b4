// `sentinel-plane status`: the topology from the first agent that answers, and every agent's own
// view of each primary side by side (a disagreement shows as DIFFERS).
import { readOpinions, readTopology } from "../client/topology.js";
import type { AgentOpinion } from "../client/topology.js";
import { renderTopology } from "../render/topology.js";
import type { Context } from "./context.js";
import { print } from "./context.js";

export async function status(context: Context, master: string | undefined): Promise<void> {
  const answer = await readTopology(context.endpoints);
  const masters = answer.value.masters.filter((m) => master === undefined || m.name === master);
  const opinions = new Map<string, readonly AgentOpinion[]>();
  for (const m of masters) opinions.set(m.name, await readOpinions(context.endpoints, m.name));
  const human = [`via ${answer.via}`, "", renderTopology({ masters }, opinions)].join("\n");
  print(context, human, {
    via: answer.via,
    path: answer.path,
    masters,
    opinions: Object.fromEntries(opinions),
  });
}
