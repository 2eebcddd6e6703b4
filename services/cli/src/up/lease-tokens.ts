// The data-nodes' failsafe tokens of a local cluster (README "Security"): one per data-node,
// derived one-way from the REST token and the node id, so the cluster file needs no new field
// and a data-node's token tells nothing about another's. Each agent binds every token to its node
// (`sentinel-plane rest-token <token> lease <node-id>`): a data-node can ask a lease for itself
// only. A sentinel.conf written before the binding (or before a REST-token rotation) is brought
// to the current tokens at every `up`, as syncRequirepass does for the password.
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

/** The local data-node ids, `node-<index>` (as the data-node JSON files name them). */
export function localNodeId(index: number): string {
  return `node-${index}`;
}

export function leaseToken(rest_token: string, node_id: string): string {
  return createHash("sha256").update(`sp-lease:${rest_token}:${node_id}`).digest("base64url");
}

/** One `sentinel-plane rest-token <token> lease <node-id>` line per data-node. */
export function leaseTokenLines(rest_token: string, node_ids: readonly string[]): string[] {
  return node_ids.map((id) => `sentinel-plane rest-token ${leaseToken(rest_token, id)} lease ${id}`);
}

const REST_TOKEN_LINE = /^(\s*sentinel-plane\s+rest-token\s+)(.*)$/i;

/**
 * A `rest-token` line without its lease tokens (`<t> lease [<node>]`, or `<t>:lease[:<node>]`
 * entries of a comma-separated list as the agent's rewrite writes them); null when nothing is left.
 */
function withoutLease(line: string): string | null {
  const match = REST_TOKEN_LINE.exec(line);
  if (match === null) return line;
  const [, head = "", rest = ""] = match;
  const words = rest.trim().split(/\s+/);
  if (words[1]?.toLowerCase() === "lease") return null;
  if (words.length > 1) return line;
  const kept = (words[0] ?? "").split(",").filter((entry) => !/:lease(:[^:,]*)?$/.test(entry.trim()));
  return kept.length === 0 ? null : `${head}${kept.join(",")}`;
}

/** sentinel.conf's text with exactly these lease lines, or null when it has them already. */
export function withLeaseTokens(text: string, wanted: readonly string[]): string | null {
  const lines = text.split("\n");
  if (wanted.every((w) => lines.some((line) => line.trim() === w))) {
    const others = lines.filter((line) => REST_TOKEN_LINE.test(line) && !wanted.includes(line.trim()));
    if (others.every((line) => withoutLease(line) === line)) return null;
  }
  const kept = lines.map(withoutLease).filter((line): line is string => line !== null);
  const body = kept.join("\n").replace(/\n*$/, "\n");
  return `${body}${wanted.join("\n")}\n`;
}

/** Brings an agent's existing sentinel.conf to the cluster's lease tokens (mode 0600 kept). */
export async function syncLeaseTokens(path: string, wanted: readonly string[]): Promise<void> {
  const next = withLeaseTokens(await readFile(path, "utf8"), wanted);
  if (next !== null) await writeFile(path, next, { mode: 0o600 });
}
