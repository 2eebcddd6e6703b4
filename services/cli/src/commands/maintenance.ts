// `pause <name>|--all --for 30m`, `resume <name>|--all` and `ack <name>`: the operator's gate on
// automatic failovers (maintenance mode with a required expiry; the acknowledgement that lifts the
// anti-flapping block). Through the REST API (who asked is recorded with the token's fingerprint
// and `cli <user>@<host>`), or the Sentinel port (SENTINEL PAUSE / RESUME / ACK-FAILOVER) when
// only that is given. The agent refuses a pause without an expiry or longer than 7 days.
import { hostname, userInfo } from "node:os";
import { firstAnswer } from "../client/agents.js";
import { CliError, EXIT } from "../errors.js";
import type { Context } from "./context.js";
import { print } from "./context.js";

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `2h`, `1d` (as the REST API's `for`) -> milliseconds. */
export function parseFor(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(text);
  const unit = match === null ? undefined : UNIT_MS[match[2] ?? ""];
  if (match === null || unit === undefined) {
    throw new CliError(EXIT.usage, "CLI_BAD_OPTION", `--for ${text}: expected e.g. 90s, 30m, 2h or 1d`);
  }
  return Number(match[1]) * unit;
}

function by(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container): the host still says where it came from
  }
  return `cli ${user}@${hostname()}`.slice(0, 64);
}

/** The target: one master, or `*` (every master) with --all; exactly one of them. */
export function targetOf(name: string | undefined, all: boolean): string {
  if ((name === undefined) === all) return name ?? "*";
  throw new CliError(EXIT.usage, "CLI_BAD_OPTION", "name one master, or pass --all (not both)");
}

const masterPath = (name: string, action: string): string =>
  name === "*" ? `/v1/${action}` : `/v1/masters/${encodeURIComponent(name)}/${action}`;

export async function pause(context: Context, target: string, for_text: string): Promise<void> {
  const duration_ms = parseFor(for_text);
  const answer = await firstAnswer(context.endpoints, {
    rest: (agent) => agent.request("POST", masterPath(target, "pause"), { for: for_text, by: by() }),
    resp: (agent) => agent.command(["SENTINEL", "PAUSE", target, String(duration_ms)]),
  });
  const until = new Date(Date.now() + duration_ms).toISOString();
  const what = target === "*" ? "every master" : target;
  print(context, `${what} paused until about ${until}: no automatic failover (via ${answer.via})`, {
    paused: target,
    duration_ms,
    via: answer.via,
  });
}

export async function resume(context: Context, target: string): Promise<void> {
  const answer = await firstAnswer(context.endpoints, {
    rest: (agent) => agent.request("POST", masterPath(target, "resume"), { by: by() }),
    resp: (agent) => agent.command(["SENTINEL", "RESUME", target]),
  });
  const what = target === "*" ? "every master" : target;
  print(context, `${what} resumed: automatic failovers allowed (via ${answer.via})`, {
    resumed: target,
    via: answer.via,
  });
}

export async function ack(context: Context, name: string): Promise<void> {
  const answer = await firstAnswer(context.endpoints, {
    rest: (agent) => agent.request("POST", masterPath(name, "acknowledge"), { by: by() }),
    resp: (agent) => agent.command(["SENTINEL", "ACK-FAILOVER", name]),
  });
  print(context, `${name}: last automatic failover acknowledged, its block lifted (via ${answer.via})`, {
    acknowledged: name,
    via: answer.via,
  });
}
