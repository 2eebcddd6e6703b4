// In-memory dependencies for the REST app's unit tests: a real core state (initAgent) changed
// only through the real core `step` (so admin validation is the core's), an event source with a
// bounded history, and the real recorders.
import { AGENT_TIMING_DEFAULT, initAgent, step } from "@sentinel-plane/core";
import type { AdminCommand, AgentState, AgentTiming, PersistedState } from "@sentinel-plane/core";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import { adminReplyOf } from "@sentinel-plane/agent-shell";
import type { AdminReply } from "@sentinel-plane/agent-shell";
import { buildRestApp } from "../app.js";
import type { RestApp } from "../app.js";
import { REST_LIMITS_DEFAULT } from "../deps.js";
import type { RestDeps, RestLimits } from "../deps.js";
import { FailoverHistory } from "../failover-history.js";
import { RestMetrics } from "../metrics.js";
import { VoteBook } from "../votes.js";

export const TEST_TOKEN = "test-token-0123456789abcdef";
export const OTHER_TOKEN = "other-token-0123456789abcdef";
export const MYID = "a".repeat(40);
export const PEER = "b".repeat(40);

const TIMING: AgentTiming = AGENT_TIMING_DEFAULT;

const SETTINGS = {
  quorum: 2,
  down_after_ms: 1000,
  failover_timeout_ms: 10_000,
  parallel_syncs: 1,
  master_reboot_down_after_period_ms: 0,
  election_timeout_ms: 250,
  failover_block_period_ms: 600_000,
};

export class FakeEvents {
  readonly history: WireEventMessage[] = [];
  readonly #listeners = new Set<(e: WireEventMessage) => void>();
  #next = 1;

  subscribe(listener: (e: WireEventMessage) => void): (() => void) | null {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  since(after: number): WireEventMessage[] {
    return this.history.filter((e) => e.id > after);
  }

  emit(name: string, master: string | null, text: string, agent = MYID, epoch = 1): WireEventMessage {
    const event: WireEventMessage = {
      v: 1,
      type: "event",
      id: this.#next++,
      agent,
      time_ms: this.#next,
      name,
      level: "warning",
      master_name: master,
      text,
      epoch,
    };
    this.history.push(event);
    for (const l of this.#listeners) l(event);
    return event;
  }

  get listeners(): number {
    return this.#listeners.size;
  }
}

export interface Fixture {
  readonly app: RestApp;
  readonly deps: RestDeps;
  readonly events: FakeEvents;
  readonly admins: AdminCommand[];
  state(): AgentState;
}

export interface FixtureOptions {
  read_auth?: boolean;
  tokens?: string[];
  limits?: Partial<RestLimits>;
  node_op?: RestDeps["node_op"];
  lease_direct?: RestDeps["lease_direct"];
  journals?: RestDeps["journals"];
  audit?: RestDeps["audit"];
  logger?: RestDeps["logger"];
}

export async function fixture(options: FixtureOptions = {}): Promise<Fixture> {
  const core = new CoreAgent();
  const events = new FakeEvents();
  const deps: RestDeps = {
    myid: MYID,
    state: () => core.state,
    admin: core.admin,
    topology: fakeTopology,
    events,
    ...recordersOf(events, () => core.state),
    readiness: () => ({ nats_connected: true, last_step_age_ms: 50 }),
    uptime_s: () => 12.5,
    auth: { tokens: options.tokens ?? [TEST_TOKEN, OTHER_TOKEN], read_auth: options.read_auth ?? false },
    limits: { ...REST_LIMITS_DEFAULT, ...options.limits },
    ...optionalDeps(options),
  };
  const app = await buildRestApp(deps);
  return { app, deps, events, admins: core.admins, state: () => core.state };
}

/** One master with two replicas and a peer as the leader of epoch 3, as the agent persisted it. */
function persistedState(): PersistedState {
  return {
    myid: MYID,
    current_epoch: 3,
    masters: [
      {
        name: "mymaster",
        address: { host: "127.0.0.1", port: 6379 },
        settings: SETTINGS,
        config_epoch: 2,
        leader: PEER,
        leader_epoch: 3,
        replicas: [
          { host: "127.0.0.1", port: 6380 },
          { host: "127.0.0.1", port: 6381 },
        ],
        agents: [{ id: PEER, announce: { host: "127.0.0.1", port: 26380 } }],
      },
    ],
  };
}

/** The agent's state, changed only by admin commands stepped through the real core. */
class CoreAgent {
  state: AgentState = initAgent(
    { myid: MYID, announce: { host: "127.0.0.1", port: 26379 }, timing: TIMING, masters: [] },
    persistedState(),
    1000,
  );
  readonly admins: AdminCommand[] = [];
  #request_id = 1;

  readonly admin = (command: AdminCommand): Promise<AdminReply> => {
    this.admins.push(command);
    const output = step(
      this.state,
      { type: "admin", now_ms: this.state.now_ms, command, request_id: this.#request_id++ },
      { int: () => 0 },
    );
    this.state = output.state;
    const reply = output.effects.find((e) => e.type === "admin_reply");
    if (reply?.type !== "admin_reply") throw new Error("no admin_reply");
    return Promise.resolve(adminReplyOf(reply));
  };
}

/** The real recorders (history, votes, metrics), fed by `events` as the agent feeds them. */
function recordersOf(
  events: FakeEvents,
  state: () => AgentState,
): Pick<RestDeps, "history" | "votes" | "metrics"> {
  const history = new FailoverHistory({ failovers_max: 10, events_max: 50, wall_ms: () => Date.now() });
  const votes = new VoteBook(100);
  const metrics = new RestMetrics();
  metrics.bindState(MYID, state);
  history.onEnd((failover) => {
    metrics.observeFailover(failover);
  });
  events.subscribe((e) => {
    history.observe(e);
    votes.observe(e);
    metrics.observeEvent(e);
  });
  return { history, votes, metrics };
}

/** The committed topology of mymaster (revision 7); no other master has one. */
const fakeTopology: RestDeps["topology"] = (name) =>
  Promise.resolve(
    name === "mymaster"
      ? {
          record: {
            master_name: "mymaster",
            config_epoch: 2,
            primary: { host: "127.0.0.1", port: 6379 },
            replicas: [{ host: "127.0.0.1", port: 6380 }],
            leader: PEER,
          },
          revision: 7,
        }
      : null,
  );

/** The optional dependencies a test gave (absent ones stay absent, not undefined). */
function optionalDeps(
  options: FixtureOptions,
): Pick<RestDeps, "node_op" | "lease_direct" | "journals" | "audit" | "logger"> {
  return {
    ...(options.node_op === undefined ? {} : { node_op: options.node_op }),
    ...(options.lease_direct === undefined ? {} : { lease_direct: options.lease_direct }),
    ...(options.journals === undefined ? {} : { journals: options.journals }),
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
}

export const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };
