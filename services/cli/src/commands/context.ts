// What every command but `up` needs: the global options, the agents to ask (from `--agent` /
// `--sentinel`, or the local cluster in `--dir`), and one way to print results and errors.
import { resolveEndpoints } from "../client/agents.js";
import type { Endpoint } from "../client/agents.js";
import { readFileSync } from "node:fs";
import { CliError, EXIT, describeError } from "../errors.js";
import { colourWanted, paletteFor } from "../render/colour.js";
import type { Palette } from "../render/colour.js";
import { loadClusterSettings } from "../state/cluster-state.js";
import type { ClusterSettings } from "../state/cluster-state.js";
import { AGENTS, Layout, REPLICAS } from "../state/layout.js";
import { findLocalTls, localTlsClient } from "../up/local-tls.js";

export interface GlobalOptions {
  readonly dir: string;
  readonly agent: readonly string[];
  readonly sentinel: readonly string[];
  readonly token?: string;
  readonly sentinelPassword?: string;
  /** CA file of https agents (`--cacert`, else $SENTINEL_PLANE_CACERT). */
  readonly cacert?: string;
  readonly json: boolean;
  readonly timeoutMs: number;
}

export interface Context {
  readonly options: GlobalOptions;
  readonly layout: Layout;
  readonly local: ClusterSettings | null;
  readonly endpoints: readonly Endpoint[];
  /** Colours for human output (none in pipes, with NO_COLOR, or with --json). */
  readonly colour: Palette;
}

export async function makeContext(options: GlobalOptions): Promise<Context> {
  const layout = new Layout(options.dir);
  const explicit = options.agent.length > 0 || options.sentinel.length > 0;
  const local = explicit ? null : await loadClusterSettings(layout, { redis: REPLICAS + 1, agents: AGENTS });
  const token = options.token ?? process.env["SENTINEL_PLANE_TOKEN"] ?? null;
  const ca = readCa(options.cacert ?? process.env["SENTINEL_PLANE_CACERT"] ?? "");
  const local_tls = local === null ? null : await findLocalTls(layout);
  const endpoints = resolveEndpoints(
    {
      agents: options.agent,
      sentinels: options.sentinel,
      token: token === "" ? null : token,
      sentinel_password: options.sentinelPassword ?? process.env["SENTINEL_PLANE_SENTINEL_PASSWORD"] ?? null,
      timeout_ms: options.timeoutMs,
      ...(ca === null ? {} : { ca }),
      ...(local_tls === null ? {} : { local_tls: await localTlsClient(local_tls) }),
    },
    local,
  );
  if (endpoints.length === 0) {
    throw new CliError(
      EXIT.usage,
      "CLI_NO_AGENT",
      `no agent to ask: no local cluster in ${layout.dir} (start one with \`sentinel-plane up\`), and no --agent http://host:port or --sentinel host:port given`,
    );
  }
  const colour = paletteFor(!options.json && colourWanted(process.stdout, process.env));
  return { options, layout, local, endpoints, colour };
}

/** The CA file's PEM; "" = none. An unreadable file is a usage error, before any request. */
function readCa(path: string): string | null {
  if (path === "") return null;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new CliError(EXIT.usage, "CLI_BAD_CACERT", `--cacert ${path}: ${describeError(error)}`);
  }
}

export function print(context: Context, human: string, json: unknown): void {
  process.stdout.write(context.options.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
}
