// The data-node's command path: an agent's promote, replicaof, fence or unfence, from the epoch
// check to the server's answer. Run by the data-node (node.ts: NATS in, ioredis transactions,
// the state file) and by the simulator (libs/testkit sim: in-memory ports over its SimNode), so
// both carry out a command with the same code.
//   command -> checkEpoch (followsCommitted) -> persist the accepted epoch -> fresh probe
//           -> refused when the server does not answer -> the transaction (a promote with the
//              write lease asks for its lease first) -> probe -> outcome
// The reply itself (role, offset, fenced from the status) is the caller's: it reads the server
// as the last probe saw it.
import { spError } from "@sentinel-plane/protocol";
import type { Result, SpError } from "@sentinel-plane/protocol";
import { checkEpoch, followsCommitted, isFenced, promoteLeaseWaitMs } from "@sentinel-plane/core/data-node";
import type { AcceptedEpoch } from "@sentinel-plane/core/data-node";
import type { DataNodeLoop } from "./loop.js";
import type { LoopCounters, Observed, RedisFence } from "./ports.js";

/** An agent's command that changes the server (status and operator commands stay in node.ts). */
export type ServerCommand =
  | { readonly type: "promote" }
  | { readonly type: "replicaof"; readonly host: string; readonly port: number }
  | { readonly type: "fence" }
  | { readonly type: "unfence" };

export interface CommandRequest {
  readonly epoch: number;
  readonly issuer: string;
  readonly command: ServerCommand;
}

/**
 * What a promote's transaction does with the fence besides REPLICAOF NO ONE: leaves it as it is,
 * lifts it (restores the saved min-replicas-to-write) or sets it, in the same MULTI/EXEC.
 */
export type PromoteFence = "keep" | "lift" | "set";

/** The role changes on the server, each one transaction (node.ts: roleChangeSteps). */
export interface ServerRole {
  /** REPLICAOF NO ONE (CONFIG REWRITE with a config file, clients disconnected), `fence` first. */
  promote(has_config_file: boolean, fence: PromoteFence): Promise<Result<string[]>>;
  /** REPLICAOF host port (CONFIG REWRITE with a config file, clients disconnected). */
  replicaof(
    target: { readonly host: string; readonly port: number },
    has_config_file: boolean,
  ): Promise<Result<string[]>>;
}

/** The accepted epoch and its issuer, persisted (the state file): one write at a time. */
export interface EpochStore {
  accepted(): AcceptedEpoch;
  /** Durable before the call resolves ok; the accepted epoch reads `next` from then on. */
  accept(next: AcceptedEpoch): Promise<Result<void>>;
}

/** Strict mode (strict-mode.ts): it holds its own fence, and an agent's command now owns it. */
export interface StrictHooks {
  holdsFence(): boolean;
  agentCommand(): void;
}

/** The report's side: the fence note, the last error, a publish when the status changed. */
export interface CommandStatus {
  note(fence_note: string | null): void;
  error(last_error: string): void;
  /** Publishes the status if it changed significantly (a newly accepted epoch). */
  changed(): void;
}

export interface CommandPorts {
  readonly loop: DataNodeLoop;
  /** The probes, the fence's saved value and the fence and unfence transactions (the loop's). */
  readonly redis: RedisFence;
  readonly server: ServerRole;
  readonly epochs: EpochStore;
  /** Why the latest probe got no answer (its error), null when unknown. */
  probeError(): string | null;
  /** Null: strict mode is off. */
  readonly strict: StrictHooks | null;
  /** Runs before a promote's transaction (node.ts: the supervisor saves the role `master`). */
  beforePromote(): Promise<void>;
  readonly status: CommandStatus;
  readonly counters: LoopCounters;
}

export interface CommandOptions {
  /** The configured lease_ms (a promote waits promoteLeaseWaitMs of it for its lease). */
  readonly lease_ms: number;
}

/** A command carried out (`done`: what it did, step by step), or refused with a coded error. */
export type CommandOutcome =
  { readonly ok: true; readonly done: readonly string[] } | { readonly ok: false; readonly error: SpError };

/** applyCommand's outcome: carried out (or not needed), or refused as not the server's error. */
type Applied =
  | { readonly kind: "refused"; readonly error: SpError }
  | {
      readonly kind: "applied";
      readonly result: Result<string[]>;
      /** The fence stays this node's own for the lease (DataNodeLoop lease_fenced). */
      readonly lease_kept: boolean;
      /** A probe already ran after the command's last change (promoteLeased). */
      readonly probed: boolean;
    };

const refused = (error: SpError): Applied => ({ kind: "refused", error });

export class DataNodeCommands {
  readonly #options: CommandOptions;
  readonly #ports: CommandPorts;

  constructor(options: CommandOptions, ports: CommandPorts) {
    this.#options = options;
    this.#ports = ports;
  }

  /**
   * Carries out an agent's command: a stale epoch is refused first (nothing persisted, nothing
   * sent); a newer one is persisted before anything is done for it; then a probe started now
   * must answer before the command runs, and another one follows it.
   */
  async execute(request: CommandRequest): Promise<CommandOutcome> {
    const { loop, redis, epochs, status } = this.#ports;
    const decision = checkEpoch(epochs.accepted(), request, followsCommitted(request, loop.committed));
    if (!decision.accept) return { ok: false, error: decision.error };
    const done: string[] = [];
    if (decision.persist) {
      // Durable before anything is done for this epoch: a restart still refuses older ones.
      const saved = await epochs.accept(decision.next);
      if (!saved.ok) return { ok: false, error: saved.error };
      done.push(`accepted epoch ${decision.next.epoch} from ${decision.next.issuer}`);
      status.changed();
    }
    await redis.freshProbe();
    const observed = redis.current();
    if (observed.answered !== true) {
      const why = this.#ports.probeError() ?? "no answer yet";
      return { ok: false, error: spError("SP_ERR_REDIS_UNAVAILABLE", [why]) };
    }
    const command = request.command;
    const applied = await this.#applyCommand(command, observed);
    if (applied.kind === "refused") return { ok: false, error: applied.error };
    const { result, lease_kept, probed } = applied;
    if (!result.ok) {
      status.error(result.error.message);
      return { ok: false, error: result.error };
    }
    // An agent's command now owns the fence (or its absence), unless the unfence waits for a lease.
    loop.lease_fenced = lease_kept;
    this.#ports.strict?.agentCommand();
    done.push(...result.value);
    if (!probed) await redis.freshProbe();
    // Promoted fenced: ask for the lease of the new epoch now, not at the next lease tick.
    if (command.type === "promote" && lease_kept) loop.requestLease();
    return { ok: true, done };
  }

  /** Carries out an accepted command on the server as `observed` before it. */
  async #applyCommand(command: ServerCommand, observed: Observed): Promise<Applied> {
    const { redis, server } = this.#ports;
    const has_config_file = (observed.config_file ?? "") !== "";
    const fenced = isFenced(observed.min_replicas_to_write);
    switch (command.type) {
      case "promote":
        return this.#promote(observed, has_config_file, fenced);
      case "replicaof": {
        const result = await server.replicaof(command, has_config_file);
        return { kind: "applied", result, lease_kept: false, probed: false };
      }
      case "fence": {
        if (fenced)
          return { kind: "applied", result: ok(["already fenced"]), lease_kept: false, probed: false };
        // The value an unfence restores, durable before the fence is set.
        const saved = await redis.saveFence(observed.min_replicas_to_write ?? 0, null);
        if (!saved.ok) return refused(saved.error);
        const result = await redis.fence(has_config_file);
        return { kind: "applied", result, lease_kept: false, probed: false };
      }
      case "unfence":
        return this.#unfence(observed, has_config_file, fenced);
    }
  }

  async #promote(observed: Observed, has_config_file: boolean, fenced: boolean): Promise<Applied> {
    // Saved before the server can take a write as a master: if it dies with this data-node
    // before the next probe, the next data-node still plans its start as a master's crash.
    await this.#ports.beforePromote();
    if (this.#ports.loop.leaseOn()) {
      // Writable only under a lease of this epoch granted by a majority (write-lease.ts).
      const promoted = await this.#promoteLeased(observed, has_config_file, fenced);
      const result = promoted.result;
      return { kind: "applied", result, lease_kept: result.ok && promoted.fenced, probed: promoted.probed };
    }
    const result = await this.#ports.server.promote(has_config_file, fenced ? "lift" : "keep");
    if (result.ok && fenced) await this.#ports.redis.clearFenceSaved(result.value);
    return { kind: "applied", result, lease_kept: false, probed: false };
  }

  async #unfence(observed: Observed, has_config_file: boolean, fenced: boolean): Promise<Applied> {
    const { loop, redis } = this.#ports;
    if (!fenced) return { kind: "applied", result: ok(["not fenced"]), lease_kept: false, probed: false };
    if (this.#ports.strict?.holdsFence() === true) {
      // Strict mode: no replica has these writes; it lifts its fence once one is in sync.
      const why = "strict mode holds the fence until a replica has acknowledged the writes";
      return refused(spError("SP_ERR_ADMIN_REFUSED", [`unfence: ${why}`]));
    }
    if (loop.unfenceWaits(observed.role)) {
      // The reply says fenced: true; the node lifts it itself when a lease returns.
      const result = ok(["kept fenced: no valid write lease"]);
      return { kind: "applied", result, lease_kept: true, probed: false };
    }
    loop.feedWatchdog(true); // armed before the server is writable
    const result = await redis.unfence(has_config_file);
    if (result.ok) await redis.clearFenceSaved(result.value);
    return { kind: "applied", result, lease_kept: false, probed: false };
  }

  /**
   * A promote with the write lease on. A replica asks for the lease of the promote's epoch first
   * (its request says `promoted`: the agents' promote-lease rule, lease.ts) and waits for it at
   * most promoteLeaseWaitMs; holding it, REPLICAOF NO ONE runs unfenced, the watchdog armed first:
   * writable in one transaction, under a lease a majority granted for this epoch, as a lifted
   * fence would be (same rule as the loop's lift: leaseLiftAllowed). Without it (no majority in
   * time, strict mode, a server that is not a replica), REPLICAOF NO ONE behind a fence (kept,
   * or set in the same transaction, so the server is never a writable master without a lease),
   * the lease held so far dropped: the fence is lifted (DataNodeLoop) when a majority vouches
   * for the new epoch. `fenced`: the server was left fenced for the lease.
   */
  async #promoteLeased(
    observed: Observed,
    has_config_file: boolean,
    fenced: boolean,
  ): Promise<{ readonly result: Result<string[]>; readonly fenced: boolean; readonly probed: boolean }> {
    const { loop, epochs } = this.#ports;
    const epoch = epochs.accepted().epoch;
    const asked = observed.role === "slave" && this.#ports.strict === null;
    if (asked) {
      // A replica holds no lease; requests in flight (none expected) vouch for an older epoch.
      loop.promoted(epoch);
      loop.requestLease(true);
      await loop.waitPromoteLease(epoch, promoteLeaseWaitMs(this.#options.lease_ms));
      if (epochs.accepted().epoch === epoch && loop.liftAllowed(epoch)) {
        return this.#promoteWritable(has_config_file, fenced);
      }
    }
    if (!fenced) {
      // The value the lease's unfence restores, durable before the fence is set.
      const saved = await this.#ports.redis.saveFence(observed.min_replicas_to_write ?? 0, null);
      if (!saved.ok) return { result: { ok: false, error: saved.error }, fenced: true, probed: false };
    }
    const result = await this.#ports.server.promote(has_config_file, fenced ? "keep" : "set");
    if (!result.ok) return { result, fenced: true, probed: false };
    if (!asked) {
      // The lease held so far (an older primary's) vouched for an older epoch. When asked above,
      // the request of this epoch stays: its grants lift the fence (DataNodeLoop).
      loop.promoted(epoch);
    }
    this.#ports.status.note(
      `fenced (lease): promoted at epoch ${epoch}, writable once a majority grants a lease`,
    );
    const value = [...result.value, "kept fenced until a lease of this epoch"];
    return { result: ok(value), fenced: true, probed: false };
  }

  /** The promote under a lease of its epoch: writable in one transaction, the watchdog armed. */
  async #promoteWritable(
    has_config_file: boolean,
    fenced: boolean,
  ): Promise<{ readonly result: Result<string[]>; readonly fenced: boolean; readonly probed: boolean }> {
    const { loop, redis, server } = this.#ports;
    // The watchdog armed before the server is a writable master, fed again after.
    const result = await loop.promotingWritable(async () => {
      const changed = await server.promote(has_config_file, fenced ? "lift" : "keep");
      // Until a probe has seen the writable master, a line fed meanwhile must stay `arm`.
      if (changed.ok) await redis.freshProbe();
      return changed;
    });
    if (!result.ok) return { result, fenced: false, probed: false };
    if (fenced) await redis.clearFenceSaved(result.value);
    this.#ports.status.note(null);
    this.#ports.counters.inc("promotes_leased_total", {});
    const value = [...result.value, "writable under a lease of this epoch"];
    return { result: ok(value), fenced: false, probed: true };
  }
}

function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
