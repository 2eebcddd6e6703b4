// Sentinel's `myid`: 40 hex characters, generated once and then kept in the file. Entropy is
// injected (the caller passes random bytes) so that tests and the simulator stay deterministic.
import type { AgentId } from "@sentinel-plane/core";
import type { SentinelConfig } from "./model.js";
import { isHex40 } from "./values.js";

export const MYID_RANDOM_BYTES = 20;

export function generateMyid(random_bytes: Uint8Array): AgentId {
  if (random_bytes.length !== MYID_RANDOM_BYTES) {
    throw new Error(`generateMyid: needs ${MYID_RANDOM_BYTES} random bytes, got ${random_bytes.length}`);
  }
  const id = Buffer.from(random_bytes).toString("hex");
  if (!isValidMyid(id)) throw new Error("generateMyid: produced an invalid id");
  return id;
}

/** Lowercase, as Sentinel writes it and as the core's AgentId expects. */
export function isValidMyid(text: string): boolean {
  return isHex40(text) && text === text.toLowerCase();
}

/**
 * The config with a myid: unchanged when it has one, else with one made from `random_bytes`
 * (called only when needed, so a configured agent consumes no entropy).
 */
export function ensureMyid(config: SentinelConfig, random_bytes: () => Uint8Array): SentinelConfig {
  if (config.myid !== null) return config;
  return { ...config, myid: generateMyid(random_bytes()) };
}
