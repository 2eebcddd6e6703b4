// What a directive handler sees, and the shape of a directive table entry.
import type { ConfigDraft, MasterDraft } from "./draft.js";
import type { ValueResult } from "./values.js";

export interface DirectiveContext {
  readonly draft: ConfigDraft;
  /** The arguments after the directive's words (`sentinel monitor` -> [name, ip, port, quorum]). */
  readonly args: readonly string[];
  /**
   * Redis' script check (access X_OK), injected so parsing stays free of I/O; null = unchecked.
   * `dir` is the file's `dir` (Redis chdirs there): a relative path is relative to it.
   */
  readonly isExecutable: ((path: string, dir: string | null) => boolean) | null;
  fail(reason: string): void;
  note(note: string): void;
}

/**
 * Order of application, as Redis 7 (sentinel.c queueSentinelConfig): global settings first, then
 * every `monitor`, then the lines that name a master, so a master's settings may come before its
 * `monitor` line but a master that is never monitored is refused.
 */
export type Phase = 0 | 1 | 2;

export interface GlobalDirective {
  readonly kind: "global";
  readonly arity: readonly [number, number];
  readonly usage: string;
  apply(ctx: DirectiveContext): void;
}

export interface MasterDirective {
  readonly kind: "master";
  readonly arity: readonly [number, number];
  readonly usage: string;
  /** `args[0]` is the master's name; the handler gets the master already looked up. */
  apply(ctx: DirectiveContext, master: MasterDraft): void;
}

export type Directive = GlobalDirective | MasterDirective;

/** Runs a validator; on failure reports the reason and returns null. */
export function check<T>(ctx: DirectiveContext, result: ValueResult<T>): T | null {
  if (result.ok) return result.value;
  ctx.fail(result.reason);
  return null;
}

export function arg(ctx: DirectiveContext, index: number): string {
  const value = ctx.args[index];
  // The caller checked the arity before applying: a missing argument is a table bug.
  if (value === undefined) throw new Error(`directive table: argument ${index} missing after arity check`);
  return value;
}
