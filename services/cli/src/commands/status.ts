// `sentinel-plane status`: the topology from the first agent that answers, and every agent's own
// view of each primary side by side (a disagreement shows as DIFFERS). `--master` names one master
// (an unknown name is an error, exit 1); `--watch` reads again every interval and redraws in place.
import { readOpinions, readTopology } from "../client/topology.js";
import type { AgentOpinion } from "../client/topology.js";
import { CliError, EXIT, describeError } from "../errors.js";
import { Redraw } from "../render/redraw.js";
import { renderTopology } from "../render/topology.js";
import type { Context } from "./context.js";
import { print } from "./context.js";

export interface StatusOptions {
  readonly master?: string;
  readonly watch: boolean;
  readonly interval_ms: number;
}

interface Snapshot {
  readonly human: string;
  readonly json: unknown;
}

async function snapshot(context: Context, master: string | undefined): Promise<Snapshot> {
  const answer = await readTopology(context.endpoints);
  const all = answer.value.masters;
  const masters = all.filter((m) => master === undefined || m.name === master);
  if (master !== undefined && masters.length === 0) {
    const known = all.map((m) => m.name).join(", ");
    throw new CliError(
      EXIT.refused,
      "SP_ERR_UNKNOWN_MASTER",
      `no master named ${master} (${known === "" ? "no masters are monitored" : `monitored: ${known}`})`,
    );
  }
  const opinions = new Map<string, readonly AgentOpinion[]>();
  for (const m of masters) opinions.set(m.name, await readOpinions(context.endpoints, m.name));
  return {
    human: [`via ${answer.via}`, "", renderTopology({ masters }, opinions, context.colour)].join("\n"),
    json: { via: answer.via, path: answer.path, masters, opinions: Object.fromEntries(opinions) },
  };
}

export async function status(context: Context, options: StatusOptions): Promise<void> {
  if (!options.watch) {
    const s = await snapshot(context, options.master);
    print(context, s.human, s.json);
    return;
  }
  await watch(context, options);
}

/** Until Ctrl-C: one reading per interval (the next starts when the last is drawn). */
async function watch(context: Context, options: StatusOptions): Promise<void> {
  let stopped = false;
  let wake: () => void = () => undefined;
  const onSignal = (): void => {
    stopped = true;
    wake();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const redraw = new Redraw(process.stdout.isTTY && !context.options.json);
  try {
    while (!stopped) {
      let block: string;
      try {
        const s = await snapshot(context, options.master);
        block = context.options.json ? JSON.stringify(s.json) : s.human;
      } catch (error) {
        // An unknown master stays an error; an agent that stops answering is shown and retried.
        if (error instanceof CliError && error.code === "SP_ERR_UNKNOWN_MASTER") throw error;
        block = context.colour.bad(
          `unavailable: ${error instanceof CliError ? `${error.code}: ${error.detail}` : describeError(error)}`,
        );
      }
      const stamp = new Date().toISOString().slice(11, 19);
      process.stdout.write(
        redraw.frame(block, context.colour.dim(`(${stamp}, every ${options.interval_ms} ms; Ctrl-C stops)`)),
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.interval_ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
