// Names of a lab's namespaces: one random prefix per lab, so test files running in parallel
// never collide; short enough that every derived name stays within IFNAMSIZ (15 chars).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

export const NAME_MAX_CHARS = 15;
const NODE_NAME = /^(h|c)[1-9][0-9]?$/;

/** `sp` + 6 random base-32 chars, e.g. `spk3v9qa`. */
export function uniqueLabPrefix(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = randomBytes(6);
  let suffix = "";
  for (const byte of bytes) suffix += alphabet[byte % alphabet.length] ?? "a";
  return `sp${suffix}`;
}

export function bridgeNetnsName(prefix: string): string {
  return checked(`${prefix}-br`);
}

/** `h1`.. are data hosts, `c1`.. clients. */
export function nodeNetnsName(prefix: string, node_name: string): string {
  assert.match(node_name, NODE_NAME);
  return checked(`${prefix}-${node_name}`);
}

function checked(name: string): string {
  assert.ok(name.length <= NAME_MAX_CHARS, `name too long: ${name}`);
  assert.match(name, /^[a-z0-9-]+$/);
  return name;
}
