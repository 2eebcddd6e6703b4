// The data-node's durable state: the highest accepted epoch with its issuer, the
// min-replicas-to-write value to restore on unfence, and the role its supervised server was last
// seen running with. Written atomically before acting on it.
import { join } from "node:path";
import { Type } from "typebox";
import { Compile } from "typebox/compile";
import { describeErrors } from "@sentinel-plane/protocol";
import type { Result } from "@sentinel-plane/protocol";
import { readJsonFile, writeJsonAtomic } from "@sentinel-plane/runtime";

export interface PersistedState {
  readonly v: 1;
  readonly epoch: number;
  readonly issuer: string | null;
  /** min-replicas-to-write before the fence; null when not fenced by us. */
  readonly fence_saved: number | null;
  /**
   * Supervise mode: the role the server was last seen running with; null when this data-node
   * stopped it cleanly, or never saw it. A data-node that starts and finds no server running
   * plans "master" as a crash of the primary (restart-plan.ts), not a fresh start. Absent in
   * files written before it existed (read as null).
   */
  readonly running_role?: "master" | "slave" | null;
  /**
   * Whether it held keys when last seen running (null: unknown). With running_role "master", the
   * next start's data check (restart-plan.ts dataCheck) can tell a server reborn empty (no RDB/AOF)
   * from an empty database: the first stays held, never a master its replicas would resync from.
   */
  readonly had_keys?: boolean | null;
}

export const INITIAL_STATE: PersistedState = { v: 1, epoch: 0, issuer: null, fence_saved: null };

const PersistedStateSchema = Type.Object(
  {
    v: Type.Literal(1),
    epoch: Type.Integer({ minimum: 0 }),
    issuer: Type.Union([Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }), Type.Null()]),
    fence_saved: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    running_role: Type.Optional(Type.Union([Type.Literal("master"), Type.Literal("slave"), Type.Null()])),
    had_keys: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  },
  { additionalProperties: false },
);
const validator = Compile(PersistedStateSchema);

export function statePath(state_dir: string): string {
  return join(state_dir, "data-node-state.json");
}

export async function loadState(state_dir: string): Promise<Result<PersistedState>> {
  const result = await readJsonFile<PersistedState>(statePath(state_dir), (value) =>
    validator.Check(value)
      ? { ok: true, value: value }
      : { ok: false, error: describeErrors(validator.Errors(value)) },
  );
  if (!result.ok) return result;
  return { ok: true, value: result.value ?? INITIAL_STATE };
}

export function saveState(state_dir: string, state: PersistedState): Promise<Result<void>> {
  return writeJsonAtomic(statePath(state_dir), state);
}
