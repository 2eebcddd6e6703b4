// Collects the effects of one step. Durable changes only mark the batch dirty; `finish` then puts
// ONE `persist` effect (the full snapshot, taken after every change of the step) before the first
// effect that leaves the agent (send, node_command, commit_topology, client_reconfig, admin_reply).
// So a vote, a new epoch or an adopted configuration is durable before any message that depends
// on it goes out, whatever order the handlers produced them in.
import type { AgentState, MasterState } from "./state.js";
import { makeEvent } from "./events.js";
import type { EventName, EventSubject } from "./events.js";
import type { Effect, PeerMessage, PersistedState } from "./types.js";
import type { Random } from "./random.js";

export class Out {
  readonly effects: Effect[] = [];
  #dirty = false;

  constructor(
    readonly state: AgentState,
    readonly random: Random,
  ) {}

  get now_ms(): number {
    return this.state.now_ms;
  }

  /** The durable state changed: a persist effect will precede every outgoing effect. */
  markDirty(): void {
    this.#dirty = true;
  }

  push(effect: Effect): void {
    this.effects.push(effect);
  }

  send(to: string, message: PeerMessage): void {
    this.effects.push({ type: "send", to, message });
  }

  event(
    name: EventName,
    master: MasterState | null,
    subject: EventSubject | null,
    args: readonly (string | number)[] = [],
    epoch?: number,
  ): void {
    const event = makeEvent(
      name,
      master?.name ?? null,
      epoch ?? master?.failover?.epoch ?? master?.config_epoch ?? this.state.current_epoch,
      subject,
      args,
    );
    this.effects.push({ type: "event", event });
  }

  finish(snapshot: () => PersistedState): Effect[] {
    if (!this.#dirty) return this.effects;
    const persist: Effect = { type: "persist", state: snapshot() };
    const at = this.effects.findIndex((e) => e.type !== "event" && e.type !== "probe");
    if (at < 0) this.effects.push(persist);
    else this.effects.splice(at, 0, persist);
    return this.effects;
  }
}

export function masterSubject(master: MasterState): EventSubject {
  return { type: "master", name: master.name, address: master.address };
}

export function slaveSubject(master: MasterState, address: { host: string; port: number }): EventSubject {
  return {
    type: "slave",
    name: `${address.host}:${address.port}`,
    address,
    master: { name: master.name, address: master.address },
  };
}

export function sentinelSubject(
  master: MasterState,
  id: string,
  address: { host: string; port: number },
): EventSubject {
  return { type: "sentinel", name: id, address, master: { name: master.name, address: master.address } };
}
