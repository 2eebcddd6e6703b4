// The local cluster's Sentinel-port password (issue 14): generated once, kept in cluster.json
// (0600) beside the REST token, given to each agent as `requirepass` in its sentinel.conf. A
// cluster made before it gets one at its next `up`; deleting it from cluster.json rotates it.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { saveClusterSettings } from "../state/cluster-state.js";
import type { ClusterSettings } from "../state/cluster-state.js";
import type { Layout } from "../state/layout.js";

/** The settings with a password, saved when one had to be generated. */
export async function ensureSentinelPassword(
  layout: Layout,
  settings: ClusterSettings,
): Promise<ClusterSettings> {
  if (settings.sentinel_password !== undefined) return settings;
  const updated = { ...settings, sentinel_password: randomBytes(24).toString("base64url") };
  await saveClusterSettings(layout, updated);
  return updated;
}

/**
 * sentinel.conf's text with `requirepass <password>`, or null when it already has it. When the
 * password changes, `user default` lines (written by an ACL SETUSER since) are dropped: they would
 * override requirepass, and `up` owns the default user's password.
 */
export function withRequirepass(text: string, password: string): string | null {
  const wanted = `requirepass ${password}`;
  const lines = text.split("\n");
  if (lines.some((line) => line.trim() === wanted)) return null;
  const kept = lines.filter((line) => !/^\s*(requirepass|user\s+default)(\s|$)/i.test(line));
  const body = kept.join("\n").replace(/\n*$/, "\n");
  return `${body}${wanted}\n`;
}

/** Brings an agent's existing sentinel.conf to the cluster's password (mode 0600 kept). */
export async function syncRequirepass(path: string, password: string): Promise<void> {
  const next = withRequirepass(await readFile(path, "utf8"), password);
  if (next !== null) await writeFile(path, next, { mode: 0o600 });
}
