// The agent's durable state (myid, epochs, votes with whom they went to, known replicas and
// agents) in one JSON file, written atomically before any message that depends on it. Sentinel
// keeps these lines in sentinel.conf; we keep them beside it so a vote's recipient is not lost
// (sentinel.conf has only leader-epoch) and the user's file is rewritten only on real changes.
import { FAILOVER_BLOCK_PERIOD_MS_DEFAULT } from "@sentinel-plane/core";
import type { PersistedState } from "@sentinel-plane/core";
import { MasterSettingsSchema, AddressSchema } from "@sentinel-plane/protocol";
import { readJsonFile, writeJsonAtomic } from "@sentinel-plane/runtime";
import { Type } from "typebox";
import type { Static } from "typebox";
import { Compile } from "typebox/compile";
import type { StateStore } from "@sentinel-plane/agent-shell";

const AgentId = Type.String({ pattern: "^[0-9a-f]{40}$" });
const Epoch = Type.Integer({ minimum: 0 });

const PersistedStateSchema = Type.Object(
  {
    version: Type.Literal(1),
    myid: AgentId,
    current_epoch: Epoch,
    masters: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          address: AddressSchema,
          settings: MasterSettingsSchema,
          config_epoch: Epoch,
          leader: Type.Union([AgentId, Type.Null()]),
          leader_epoch: Epoch,
          // The latest promote-lease above config_epoch (core persist.ts): a restart keeps it.
          promote_grant: Type.Optional(
            Type.Object({ epoch: Epoch, address: AddressSchema }, { additionalProperties: false }),
          ),
          replicas: Type.Array(AddressSchema),
          agents: Type.Array(
            Type.Object({ id: AgentId, announce: AddressSchema }, { additionalProperties: false }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

type StateFile = Static<typeof PersistedStateSchema>;
const validator = Compile(PersistedStateSchema);

// A decoded file must be usable as the core's PersistedState (compile-time check).
const asPersisted = (file: StateFile): PersistedState => file;

/**
 * A file written before a setting existed lacks it: the default is filled in (today only
 * failover_block_period_ms) rather than refusing the whole state as corrupt.
 */
function withSettingDefaults(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("masters" in value)) return value;
  const masters: unknown = value.masters;
  if (!Array.isArray(masters)) return value;
  const list: readonly unknown[] = masters;
  for (const master of list) {
    if (typeof master !== "object" || master === null || !("settings" in master)) continue;
    const settings: unknown = master.settings;
    if (typeof settings !== "object" || settings === null || "failover_block_period_ms" in settings) continue;
    Object.assign(settings, { failover_block_period_ms: FAILOVER_BLOCK_PERIOD_MS_DEFAULT });
  }
  return value;
}

export class JsonStateFile implements StateStore {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  async save(state: PersistedState): Promise<void> {
    const result = await writeJsonAtomic(this.#path, { version: 1, ...state });
    if (!result.ok) throw result.error;
  }

  /** null when the file does not exist yet; throws SP_ERR_STATE_CORRUPT when it is unreadable. */
  async load(): Promise<PersistedState | null> {
    const result = await readJsonFile(this.#path, (raw) => {
      const value = withSettingDefaults(raw);
      if (validator.Check(value)) return { ok: true, value: asPersisted(value) };
      const first = validator.Errors(value)[0];
      return { ok: false, error: first === undefined ? "invalid" : `${first.instancePath} ${first.message}` };
    });
    if (!result.ok) throw result.error;
    return result.value;
  }
}
