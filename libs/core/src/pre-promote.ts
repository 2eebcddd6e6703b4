// The pre-promotion fence hook (ours; Patroni's `pre_promote`): for operators who must fence the
// old host (power it off, cut its port, move a VIP away) before a replica takes over. When the
// master has a script configured (file only, see types.ts PrePromoteHook), the failover goes
//   ... select-slave (and a switchover's fence-old-primary, wait-catchup)
//   pre-promote        +failover-state-pre-promote   `run_pre_promote` effect, then wait for its
//                      `pre_promote_result` input (matched by hook_id; a stale one is ignored)
//   send-slaveof-noone on success; on a failure, or when no result arrives within the hook's
//                      timeout plus PRE_PROMOTE_MARGIN_MS, `-failover-abort-pre-promote-failed`:
//                      nothing was promoted, a fence of ours is lifted (failover-run.ts), and
//                      the failover ends like the other aborts (randomised back-off, then retry).
// No hook when nothing moves (a reassert re-commits the current primary: fencing it would be
// wrong). Only the leading agent runs it: it is part of this agent's failover run.
import { abortFailover, setState } from "./failover-run.js";
import type { Out } from "./out.js";
import { nextId, sameAddress } from "./state.js";
import type { FailoverRun, MasterState } from "./state.js";
import type { PrePromoteHook } from "./types.js";

/**
 * The core waits this long beyond the hook's timeout for the result: the shell kills the script
 * at the timeout and then reports, which takes a process exit and one queued input.
 */
export const PRE_PROMOTE_MARGIN_MS = 1000;

/** Bounds of a hook's timeout (the configuration refuses values outside them). */
export const PRE_PROMOTE_TIMEOUT_MIN_MS = 100;
export const PRE_PROMOTE_TIMEOUT_MAX_MS = 600_000;
/** Longest reason kept from a result's detail (it ends up in an event payload). */
export const PRE_PROMOTE_REASON_MAX = 64;

/** Asserts a hook from the configuration is usable (the shell validated it: a bug otherwise). */
export function assertPrePromoteHook(hook: PrePromoteHook): void {
  if (!hook.script.startsWith("/") || /[\0\n]/.test(hook.script)) {
    throw new Error(`pre-promote script must be an absolute path: ${JSON.stringify(hook.script)}`);
  }
  const t = hook.timeout_ms;
  if (!Number.isSafeInteger(t) || t < PRE_PROMOTE_TIMEOUT_MIN_MS || t > PRE_PROMOTE_TIMEOUT_MAX_MS) {
    throw new Error(`pre-promote timeout out of bounds: ${t}`);
  }
}

/** The run must pass through pre-promote: a hook is configured and a replica is to take over. */
export function wantsPrePromote(master: MasterState, run: FailoverRun): boolean {
  const selected = run.selected;
  return master.pre_promote !== null && selected !== null && !sameAddress(selected, run.old_primary);
}

/** Enters pre-promote: the event, then the effect that runs the script. */
export function startPrePromote(out: Out, master: MasterState, run: FailoverRun): void {
  const hook = master.pre_promote;
  const selected = run.selected;
  if (hook === null || selected === null || run.pre_promote !== null) {
    throw new Error("startPrePromote: no hook, no replica, or already started");
  }
  const now = out.state.now_ms;
  const hook_id = nextId(out.state);
  run.pre_promote = { hook_id, deadline_ms: now + hook.timeout_ms + PRE_PROMOTE_MARGIN_MS, result: null };
  setState(out, master, run, "pre-promote");
  out.push({
    type: "run_pre_promote",
    hook_id,
    master_name: master.name,
    epoch: run.epoch,
    script: hook.script,
    from: run.old_primary,
    to: selected,
    timeout_ms: hook.timeout_ms,
  });
}

/**
 * Records the result of the running hook; returns the master to re-evaluate, or null when the
 * result is stale (no run of ours waits for that hook_id, or it already has a result).
 */
export function onPrePromoteResult(
  out: Out,
  hook_id: number,
  ok: boolean,
  detail: string,
): MasterState | null {
  for (const master of out.state.masters.values()) {
    const run = master.failover;
    const hook = run?.pre_promote ?? null;
    if (run === null || hook === null || hook.hook_id !== hook_id) continue;
    if (run.state !== "pre-promote" || hook.result !== null) return null;
    hook.result = { ok, detail: reasonToken(detail) };
    return master;
  }
  return null;
}

export type PrePromoteProgress = "wait" | "promote" | "abort";

/** Advances pre-promote. "abort": the failover was aborted (and a fence of ours lifted). */
export function prePromoteStep(out: Out, master: MasterState, run: FailoverRun): PrePromoteProgress {
  const hook = run.pre_promote;
  if (hook === null) throw new Error("pre-promote without a hook run");
  const result = hook.result;
  if (result !== null && result.ok) return "promote";
  if (result !== null) return abortPrePromote(out, master, run, result.detail);
  if (out.state.now_ms >= hook.deadline_ms) return abortPrePromote(out, master, run, "timeout");
  return "wait";
}

function abortPrePromote(out: Out, master: MasterState, run: FailoverRun, reason: string): "abort" {
  // After a fence of ours nothing was promoted: the abort lifts it as the switchover's aborts do.
  const lift_fence = run.fence !== null;
  abortFailover(out, master, "-failover-abort-pre-promote-failed", [run.epoch, reason], lift_fence);
  return "abort";
}

/** A result's detail as one bounded token for the event payload (`exit 1` -> `exit-1`). */
export function reasonToken(detail: string): string {
  const token = detail
    .replace(/[^A-Za-z0-9._:=/+-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, PRE_PROMOTE_REASON_MAX);
  return token === "" ? "unknown" : token;
}
