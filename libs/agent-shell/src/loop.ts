// The agent's one loop (etcd/raft `doc.go`): collect inputs, step the core, carry out the effects
// in order, feed the results back as inputs. No state changes happen inside callbacks: every
// callback only enqueues an input.
import assert from "node:assert/strict";
import { commandWanted, step } from "@sentinel-plane/core";
import type { AdminCommand, AgentState, Effect, Input, Random, StepOutput } from "@sentinel-plane/core";
import type { ErrorCode } from "@sentinel-plane/protocol";
import type { AgentPorts, Timers } from "./ports.js";

/**
 * The answer to an admin command. A refusal carries its registry code (REST maps it, by code, to
 * problem+json), its text for RESP (`message`: Sentinel's reply line from the core, the loop's own
 * text otherwise) and, when the message is such a line, the refusal without its prefix (`detail`).
 */
export type AdminReply =
  | { readonly ok: true; readonly code?: undefined; readonly message: string }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly detail?: string };

/** The loop's own refusal (not the core's): its message is the detail. */
function refusal(code: ErrorCode, message: string): AdminReply {
  return { ok: false, code, message };
}

/** The core's `admin_reply` as the waiting caller gets it. */
export function adminReplyOf(effect: Extract<Effect, { type: "admin_reply" }>): AdminReply {
  if (effect.ok) return { ok: true, message: effect.message };
  const error = effect.error;
  // The core codes every refusal (admin.ts fail, maintenance.ts refuse): a bug otherwise.
  if (error === undefined) throw new Error(`admin refusal without a code: ${effect.message}`);
  return { ok: false, code: error.code, message: effect.message, detail: error.detail };
}

export interface AgentLoopOptions {
  /** Bound on queued inputs; beyond it the oldest tick is dropped first, then new inputs are refused. */
  readonly inputs_max: number;
  /** Bound on admin requests waiting for their reply. */
  readonly admin_pending_max: number;
  /**
   * Every admin request is answered within this: its reply, or SP_ERR_TIMEOUT (the request no
   * longer counts against `admin_pending_max`, so stuck requests never lock the API out).
   */
  readonly admin_timeout_ms: number;
  readonly now_ms: () => number;
  /** The wall clock (Date.now()), put on every tick for the operator's pause and block periods. */
  readonly unix_ms?: () => number;
  /**
   * The loop's timers (the wake, the admin timeouts): Node's in the agent, the simulator's event
   * queue in the simulator, so that time enters only through `now_ms` and these.
   */
  readonly timers: Timers;
  readonly random: Random;
  /** The core's step (default: core `step`); the simulator's tests put in broken ones. */
  readonly step?: (state: AgentState, input: Input, random: Random) => StepOutput;
  readonly on_error: (error: unknown, context: string) => void;
}

type Pending = { resolve: (reply: AdminReply) => void; readonly cancel: () => void };

/** What the loop reports about itself beside its state (/readyz, metrics). */
export interface LoopHealth {
  /** Persists that failed since start; the last one's error. */
  readonly persist_failures: number;
  readonly last_persist_error: string | null;
  /** Admin requests answered SP_ERR_TIMEOUT since start. */
  readonly admin_timeouts: number;
}

export class AgentLoop {
  #state: AgentState;
  readonly #ports: AgentPorts;
  readonly #options: AgentLoopOptions;
  readonly #queue: Input[] = [];
  readonly #admin = new Map<number, Pending>();
  #admin_next_id = 1;
  #persist_failures = 0;
  #last_persist_error: string | null = null;
  #admin_timeouts = 0;
  #draining = false;
  #stopped = false;
  /** Resolves when the queue is empty and no persist is in flight (tests, shutdown). */
  #idle_waiters: (() => void)[] = [];
  /** The earliest requested `wake` (one timer: the core re-requests later ones on every tick). */
  #wake: { readonly at_ms: number; readonly cancel: () => void } | null = null;

  constructor(state: AgentState, ports: AgentPorts, options: AgentLoopOptions) {
    assert.ok(options.inputs_max > 0 && options.admin_pending_max > 0 && options.admin_timeout_ms > 0);
    this.#state = state;
    this.#ports = ports;
    this.#options = options;
  }

  get state(): AgentState {
    return this.#state;
  }

  health(): LoopHealth {
    return {
      persist_failures: this.#persist_failures,
      last_persist_error: this.#last_persist_error,
      admin_timeouts: this.#admin_timeouts,
    };
  }

  /** Enqueues an input. Returns false when the queue is full and the input was refused. */
  feed(input: Input): boolean {
    if (this.#stopped) return false;
    if (this.#queue.length >= this.#options.inputs_max) {
      const tick = this.#queue.findIndex((i) => i.type === "tick");
      if (tick < 0) {
        this.#options.on_error(new Error(`input queue full (${this.#options.inputs_max})`), input.type);
        return false;
      }
      this.#queue.splice(tick, 1);
    }
    this.#queue.push(input);
    if (!this.#draining) void this.#drain();
    return true;
  }

  /** Submits an admin command and resolves with the core's `admin_reply`. */
  admin(command: AdminCommand): Promise<AdminReply> {
    if (this.#admin.size >= this.#options.admin_pending_max) {
      return Promise.resolve(refusal("SP_ERR_BUSY", "too many admin requests in flight"));
    }
    const request_id = this.#admin_next_id++;
    return new Promise<AdminReply>((resolve) => {
      const timeout_ms = this.#options.admin_timeout_ms;
      const cancel = this.#options.timers.after(timeout_ms, () => {
        this.#admin_timeouts++;
        this.#answer(
          request_id,
          refusal("SP_ERR_TIMEOUT", `admin ${command.type} timed out after ${timeout_ms} ms`),
        );
      });
      this.#admin.set(request_id, { resolve, cancel });
      const accepted = this.feed({ type: "admin", now_ms: this.#options.now_ms(), command, request_id });
      if (!accepted) this.#answer(request_id, refusal("SP_ERR_BUSY", "agent input queue is full"));
    });
  }

  /** Resolves a waiting admin request once (a late reply after its timeout finds nobody). */
  #answer(request_id: number, reply: AdminReply): void {
    const pending = this.#admin.get(request_id);
    if (pending === undefined) return;
    this.#admin.delete(request_id);
    pending.cancel();
    pending.resolve(reply);
  }

  whenIdle(): Promise<void> {
    if (!this.#draining && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle_waiters.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.cancel();
    this.#wake = null;
    this.#queue.length = 0;
    for (const request_id of [...this.#admin.keys()])
      this.#answer(request_id, refusal("SP_ERR_STOPPED", "agent stopped"));
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (!this.#stopped) {
        const queued = this.#queue.shift();
        if (queued === undefined) break;
        // Every input is dated when it is stepped, not when it was queued (behind a slow persist,
        // say): a PING a tick sends leaves now, and dating it earlier would bring its SDOWN deadline
        // forward; a reply dated later only errs towards "alive". Monotonic across inputs too.
        const unix_ms = this.#options.unix_ms;
        const input: Input =
          queued.type === "tick" && unix_ms !== undefined
            ? { ...queued, now_ms: this.#options.now_ms(), unix_ms: unix_ms() }
            : { ...queued, now_ms: this.#options.now_ms() };
        const output = (this.#options.step ?? step)(this.#state, input, this.#options.random);
        this.#state = output.state;
        await this.#carryOut(output.effects);
      }
    } finally {
      this.#draining = false;
      const waiters = this.#idle_waiters;
      this.#idle_waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Effects in order; a persist completes before any later effect is carried out. */
  async #carryOut(effects: readonly Effect[]): Promise<void> {
    // Node commands of this step: its admin reply waits for them (not the loop). REMOVE lifts the
    // fences of the removed master's replicas (admin.ts): a caller that writes to such an instance
    // right after the reply (Redis's test suite does) must find the fence gone.
    const commands: Promise<unknown>[] = [];
    for (const [index, effect] of effects.entries()) {
      try {
        if (effect.type === "persist") await this.#ports.state.save(effect.state);
        else if (effect.type === "node_command") commands.push(this.#nodeCommand(effect));
        else if (effect.type === "admin_reply" && commands.length > 0) {
          const reply = adminReplyOf(effect);
          void Promise.allSettled(commands).then(() => {
            this.#answer(effect.request_id, reply);
          });
        } else this.#dispatch(effect);
      } catch (error) {
        this.#options.on_error(error, effect.type);
        if (effect.type === "persist") {
          // A failed persist must not be followed by the messages that depend on it; the admin
          // requests among them are answered with the failure, never dropped.
          this.#persistFailed(error, effects.slice(index + 1));
          return;
        }
      }
    }
  }

  #persistFailed(error: unknown, skipped: readonly Effect[]): void {
    this.#persist_failures++;
    this.#last_persist_error = error instanceof Error ? error.message : String(error);
    for (const effect of skipped) {
      if (effect.type !== "admin_reply") continue;
      this.#answer(
        effect.request_id,
        refusal(
          "SP_ERR_STATE_PERSIST_FAILED",
          `could not persist the agent state: ${this.#last_persist_error}`,
        ),
      );
    }
  }

  /** Feeds a tick at `at_ms` (shell clock) unless an earlier wake is already set. */
  #wakeAt(at_ms: number): void {
    if (this.#stopped) return;
    if (this.#wake !== null && this.#wake.at_ms <= at_ms) return;
    this.#wake?.cancel();
    const delay_ms = Math.max(0, Math.ceil(at_ms - this.#options.now_ms()));
    const cancel = this.#options.timers.after(delay_ms, () => {
      this.#wake = null;
      this.feed({ type: "tick", now_ms: this.#options.now_ms() });
    });
    this.#wake = { at_ms, cancel };
  }

  #dispatch(effect: Exclude<Effect, { type: "persist" }>): void {
    const ports = this.#ports;
    switch (effect.type) {
      case "send":
        ports.peers.send(effect.to, effect.message);
        return;
      case "probe":
        void ports.prober.probe(effect.target, effect.kind, effect.timeout_ms).then((result) => {
          this.feed({
            type: "probe_result",
            now_ms: this.#options.now_ms(),
            probe_id: effect.probe_id,
            target: effect.target,
            result,
          });
        });
        return;
      case "node_command":
        void this.#nodeCommand(effect);
        return;
      case "commit_topology":
        this.#commitTopology(effect);
        return;
      case "commit_operator":
        this.#commitOperator(effect);
        return;
      case "forget_topology":
        void ports.topology.forget(effect.master_name, effect.expected_revision);
        return;
      case "event":
        ports.events.emit(effect.event);
        return;
      case "wake":
        this.#wakeAt(this.#options.now_ms() + effect.after_ms);
        return;
      case "client_reconfig":
        ports.hooks.clientReconfig(effect.master_name, effect.role, effect.state, effect.from, effect.to);
        return;
      case "run_pre_promote":
        void ports.pre_promote.run(effect).then(({ ok, detail }) => {
          const now_ms = this.#options.now_ms();
          this.feed({ type: "pre_promote_result", now_ms, hook_id: effect.hook_id, ok, detail });
        });
        return;
      case "lease_grant":
        ports.leases.grant(effect.grant);
        return;
      case "admin_reply":
        // A propagated admin command has no local waiter; a timed-out one has none any more.
        this.#answer(effect.request_id, adminReplyOf(effect));
        return;
    }
  }

  /** Carries out a node command; its result goes back as `command_result`. Never rejects. */
  #nodeCommand(effect: Extract<Effect, { type: "node_command" }>): Promise<void> {
    return this.#ports.nodes
      .command(effect.target, effect.epoch, effect.command, effect.timeout_ms, () =>
        commandWanted(this.#state, effect.command_id, this.#options.now_ms()),
      )
      .then((result) => {
        this.feed({
          type: "command_result",
          now_ms: this.#options.now_ms(),
          command_id: effect.command_id,
          result,
        });
      });
  }

  /** The commit's outcome goes back as `commit_result`, then, once written, as the record observed. */
  #commitTopology(effect: Extract<Effect, { type: "commit_topology" }>): void {
    void this.#ports.topology.commit(effect.record, effect.expected_revision).then((outcome) => {
      this.feed({
        type: "commit_result",
        now_ms: this.#options.now_ms(),
        commit_id: effect.commit_id,
        ok: outcome.ok,
        ...(outcome.ok ? {} : outcome.current === undefined ? {} : { current: outcome.current }),
      });
      if (outcome.ok) {
        this.feed({
          type: "topology_observed",
          now_ms: this.#options.now_ms(),
          record: effect.record,
          revision: outcome.revision,
        });
      }
    });
  }

  /** An operator change: written, observed, then answered (a refusal is answered at once). */
  #commitOperator(effect: Extract<Effect, { type: "commit_operator" }>): void {
    void this.#ports.topology.commitOperator(effect.master_name, effect.change).then((outcome) => {
      if (!outcome.ok) {
        const { code, message, detail } = outcome;
        this.#answer(effect.request_id, {
          ok: false,
          code,
          message,
          ...(detail === undefined ? {} : { detail }),
        });
        return;
      }
      // Observed first, so that the reply finds the change in the state (status, REST view).
      this.feed({
        type: "topology_observed",
        now_ms: this.#options.now_ms(),
        record: outcome.record,
        revision: outcome.revision,
      });
      void this.whenIdle().then(() => {
        this.#answer(effect.request_id, { ok: true, message: "OK" });
      });
    });
  }
}
