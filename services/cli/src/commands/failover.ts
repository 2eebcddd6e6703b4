// `failover <name>` (Sentinel's SENTINEL FAILOVER: no agreement needed) and `switchover <name>`
// (REST only: fence, catch up, promote; nothing lost). With --wait, the command returns when an
// agent reports a different primary, or fails with exit code 4 when wait_ms runs out.
import { firstAnswer } from "../client/agents.js";
import { primaryOf } from "../client/topology.js";
import { CliError, EXIT } from "../errors.js";
import type { Context } from "./context.js";
import { print } from "./context.js";

const WAIT_POLL_MS = 100;

export interface WaitOptions {
  readonly wait: boolean;
  readonly wait_ms: number;
}

const masterPath = (name: string, action: string): string =>
  `/v1/masters/${encodeURIComponent(name)}/${action}`;

/** Polls an agent for the primary until it is no longer `before` (no event to await over REST/RESP). */
async function waitForNewPrimary(
  context: Context,
  name: string,
  before: string,
  wait_ms: number,
): Promise<string> {
  const until = performance.now() + wait_ms;
  let last = before;
  while (performance.now() < until) {
    try {
      last = (await primaryOf(context.endpoints, name)).value;
      if (last !== before) return last;
    } catch (error) {
      if (error instanceof CliError && error.exit_code === EXIT.refused) throw error;
      // an agent restarting: ask again
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
  throw new CliError(
    EXIT.timeout,
    "CLI_WAIT_TIMEOUT",
    `${name}: the primary is still ${last} after ${wait_ms} ms`,
  );
}

async function report(
  context: Context,
  name: string,
  action: string,
  via: string,
  before: string | null,
  wait: WaitOptions,
): Promise<void> {
  if (!wait.wait || before === null) {
    print(context, `${action} of ${name} accepted by ${via}`, { accepted: true, master: name, action, via });
    return;
  }
  const after = await waitForNewPrimary(context, name, before, wait.wait_ms);
  print(context, `${action} of ${name} done: primary ${before} -> ${after} (accepted by ${via})`, {
    accepted: true,
    master: name,
    action,
    via,
    from: before,
    to: after,
  });
}

/**
 * `--force` ignores the promotion limits (max-promotion-lag-*). Only REST carries it: RESP's
 * SENTINEL FAILOVER keeps Sentinel's form (and the limits), so a forced failover never falls
 * back to it.
 */
export async function failover(
  context: Context,
  name: string,
  wait: WaitOptions,
  force = false,
): Promise<void> {
  const before = wait.wait ? (await primaryOf(context.endpoints, name)).value : null;
  const answer = await firstAnswer(
    context.endpoints,
    force
      ? { rest: (agent) => agent.request("POST", masterPath(name, "failover"), { force: true }) }
      : {
          rest: (agent) => agent.request("POST", masterPath(name, "failover")),
          resp: (agent) => agent.command(["SENTINEL", "FAILOVER", name]),
        },
  );
  await report(context, name, "failover", answer.via, before, wait);
}

export async function switchover(
  context: Context,
  name: string,
  to: string | undefined,
  wait: WaitOptions,
): Promise<void> {
  const before = wait.wait ? (await primaryOf(context.endpoints, name)).value : null;
  const answer = await firstAnswer(context.endpoints, {
    rest: (agent) => agent.request("POST", masterPath(name, "switchover"), to === undefined ? {} : { to }),
  });
  await report(context, name, "switchover", answer.via, before, wait);
}
