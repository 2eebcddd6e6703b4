// Leaf validators for directive arguments. Stricter than Redis (which uses atoi: "12abc" is 12,
// "abc" is 0): a value is either exactly right or refused with the reason and the value seen.
import { isIP } from "node:net";
import { masterNameProblem } from "@sentinel-plane/protocol";

export type ValueResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Redis keeps these times in a C int (atoi); larger values cannot come from a Redis file. */
export const MS_MAX = 2_147_483_647;
/** Epochs are uint64 in Redis; a JavaScript number is exact up to 2^53 - 1. */
export const EPOCH_MAX = Number.MAX_SAFE_INTEGER;

export function shown(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}...` : text);
}

export interface IntegerRule {
  readonly min: number;
  readonly max: number;
}

export const POSITIVE_MS: IntegerRule = { min: 1, max: MS_MAX };
export const NON_NEGATIVE_MS: IntegerRule = { min: 0, max: MS_MAX };
export const EPOCH: IntegerRule = { min: 0, max: EPOCH_MAX };
export const PORT: IntegerRule = { min: 1, max: 65_535 };
export const QUORUM: IntegerRule = { min: 1, max: 10_000 };
export const PARALLEL_SYNCS: IntegerRule = { min: 1, max: 10_000 };

function describe(rule: IntegerRule): string {
  // Bounds that only mirror Redis' storage (a C int, a uint64) are mentioned when exceeded.
  const storage_bound = rule.max === MS_MAX || rule.max === EPOCH_MAX;
  if (storage_bound && rule.min === 1) return "a positive integer";
  if (storage_bound && rule.min === 0) return "a non-negative integer";
  return `an integer from ${rule.min} to ${rule.max}`;
}

export function parseInteger(text: string, rule: IntegerRule): ValueResult<number> {
  if (!/^-?[0-9]+$/.test(text))
    return { ok: false, reason: `expected ${describe(rule)}, got ${shown(text)}` };
  const value = Number(text);
  if (value < rule.min) return { ok: false, reason: `expected ${describe(rule)}, got ${shown(text)}` };
  if (value > rule.max) {
    const bound = describe(rule).includes(" to ") ? "" : ` at most ${rule.max}`;
    return { ok: false, reason: `expected ${describe(rule)}${bound}, got ${shown(text)}` };
  }
  return { ok: true, value };
}

export function parsePort(text: string): ValueResult<number> {
  return parseInteger(text, PORT);
}

/** REST requests per second per client address; 0 turns the limit off. */
export function parseRestRateLimit(text: string): ValueResult<number> {
  return parseInteger(text, { min: 0, max: 1_000_000 });
}

/** Replicas of the topology bucket: JetStream allows 1 to 5. */
export function parseTopologyReplicas(text: string): ValueResult<number> {
  return parseInteger(text, { min: 1, max: 5 });
}

/** yesnotoi(): case-insensitive yes/no. */
export function parseYesNo(text: string): ValueResult<boolean> {
  const lower = text.toLowerCase();
  if (lower === "yes") return { ok: true, value: true };
  if (lower === "no") return { ok: true, value: false };
  return { ok: false, reason: `expected yes or no, got ${shown(text)}` };
}

// RFC 1123 labels, plus "_" which container runtimes put in service names.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/**
 * An instance address. Like Sentinel, only IP addresses unless `resolve-hostnames yes`
 * (Redis then fails with "Can't resolve instance hostname.").
 */
export function parseHost(text: string, allow_hostnames: boolean): ValueResult<string> {
  if (isIP(text) !== 0) return { ok: true, value: text };
  if (!allow_hostnames) {
    return {
      ok: false,
      reason: `expected an IP address, got ${shown(text)} (hostnames need "sentinel resolve-hostnames yes")`,
    };
  }
  if (HOSTNAME.test(text)) return { ok: true, value: text };
  return { ok: false, reason: `expected an IP address or a hostname, got ${shown(text)}` };
}

/** Master names travel in events, hello messages and NATS subjects: one rule everywhere. */
export function parseMasterName(text: string): ValueResult<string> {
  const problem = masterNameProblem(text);
  if (problem === null) return { ok: true, value: text };
  return { ok: false, reason: `expected a master name (${problem}), got ${shown(text)}` };
}

export function isHex40(text: string): boolean {
  return /^[0-9a-fA-F]{40}$/.test(text);
}

export function parseRunId(text: string, what: string): ValueResult<string> {
  if (isHex40(text)) return { ok: true, value: text.toLowerCase() };
  return { ok: false, reason: `expected ${what} of 40 hexadecimal characters, got ${shown(text)}` };
}
