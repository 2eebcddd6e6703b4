// `sentinel myid` in sentinel.conf is the agent's identity, as for Sentinel: an operator who
// deletes the line gets a new sentinel with a new id (Redis's suite, 11-port-0, does exactly that).
// The JSON state file (state-file.ts) keeps a copy of the id beside the epochs and votes; when the
// two differ, the file's id wins and the state follows it, epochs and votes kept (they are this
// process's promises, whatever its name). Before, the core took the state's id while NATS
// subscriptions took the file's: the agent answered hellos under one name and sent them under
// the other, and its peers counted one sentinel too many.
// A NATS user of a per-process deployment names its agent (`agent-<myid>`, libs/protocol
// nats-auth.ts); with another id every publish as this agent would be refused by nats-server, so
// the start is refused here, with an error that says which id the user belongs to.
import type { AgentId, PersistedState } from "@sentinel-plane/core";
import { err, natsUser, natsUserIdentity, ok, spError } from "@sentinel-plane/protocol";
import type { Result } from "@sentinel-plane/protocol";

export interface StateForMyid {
  readonly state: PersistedState;
  /** The state's id before, when it was another one (the caller logs the change). */
  readonly replaced_myid: AgentId | null;
}

/** The persisted state under sentinel.conf's myid; unchanged when the ids agree. */
export function stateForConfMyid(persisted: PersistedState, conf_myid: AgentId): StateForMyid {
  if (persisted.myid === conf_myid) return { state: persisted, replaced_myid: null };
  return { state: { ...persisted, myid: conf_myid }, replaced_myid: persisted.myid };
}

/**
 * Refuses a NATS user bound to another agent id than `myid`. Users that name no agent (an
 * operator's user, a shared user, token authentication: null) are not checked.
 */
export function checkNatsUserMyid(nats_user: string | null, myid: AgentId): Result<void> {
  if (nats_user === null) return ok(undefined);
  const identity = natsUserIdentity(nats_user);
  if (identity === null || identity.role !== "agent" || identity.id === myid) return ok(undefined);
  const own = natsUser({ role: "agent", id: myid });
  return err(spError("SP_ERR_NATS_USER_MYID_MISMATCH", [nats_user, identity.id, myid, identity.id, own]));
}
