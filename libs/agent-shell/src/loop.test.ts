// The loop's admin bound: every request is answered (reply, coded error or timeout), a persist
// failure is an answered error and a health figure, and stuck requests never lock the API out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { initAgent } from "@sentinel-plane/core";
import type { AgentState, PersistedState } from "@sentinel-plane/core";
import { config, masterInfo, ME, PRIMARY, R1 } from "@sentinel-plane/core/testing";
import { AgentLoop } from "./loop.js";
import { nodeTimers } from "./ports.js";
import type { AgentLoopOptions } from "./loop.js";
import type { AgentPorts } from "./ports.js";

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

function agentState(): AgentState {
  return initAgent(config(), null, 1);
}

/** The committed record of the standard config's master, led by this agent. */
const RECORD = { master_name: "mymaster", config_epoch: 0, primary: PRIMARY, replicas: [], leader: ME };

function ports(save: (state: PersistedState) => Promise<void>): AgentPorts {
  return {
    peers: { send: () => undefined },
    prober: { probe: () => never() },
    nodes: { command: () => never() },
    topology: { commit: () => never() },
    state: { save },
    events: { emit: () => undefined },
    hooks: { clientReconfig: () => undefined },
    pre_promote: { run: () => never() },
  } as unknown as AgentPorts;
}

function options(overrides: Partial<AgentLoopOptions> = {}): AgentLoopOptions {
  let now_ms = 1;
  return {
    inputs_max: 100,
    admin_pending_max: 4,
    admin_timeout_ms: 50,
    now_ms: () => now_ms++,
    timers: nodeTimers,
    random: { int: () => 0 },
    on_error: () => undefined,
    ...overrides,
  };
}

const SET_QUORUM = { type: "set", name: "mymaster", settings: { quorum: 3 } } as const;

void test("a persist failure answers the admin request with its code and counts in the health", async () => {
  const errors: string[] = [];
  const loop = new AgentLoop(
    agentState(),
    ports(() => Promise.reject(new Error("disk full"))),
    options({ on_error: (_e, context) => errors.push(context) }),
  );
  const reply = await loop.admin(SET_QUORUM);
  assert.equal(reply.ok, false);
  assert.equal(reply.code, "SP_ERR_STATE_PERSIST_FAILED");
  assert.match(reply.message, /disk full/);
  assert.equal(loop.health().persist_failures, 1);
  assert.equal(loop.health().last_persist_error, "disk full");
  assert.deepEqual(errors, ["persist"]);
  loop.stop();
});

void test("stuck requests time out, free their slots, and the API answers again once unstuck", async () => {
  let release: () => void = () => undefined;
  let stuck = true;
  const loop = new AgentLoop(
    agentState(),
    ports(() =>
      stuck
        ? new Promise<void>((resolve) => {
            release = resolve;
          })
        : Promise.resolve(),
    ),
    options(),
  );
  // More requests than the pending bound: the first ones time out, none stays unanswered.
  const first = await Promise.all([1, 2, 3, 4].map(() => loop.admin(SET_QUORUM)));
  assert.deepEqual(
    first.map((r) => r.code),
    ["SP_ERR_TIMEOUT", "SP_ERR_TIMEOUT", "SP_ERR_TIMEOUT", "SP_ERR_TIMEOUT"],
  );
  assert.equal(loop.health().admin_timeouts, 4);
  // Not SP_ERR_BUSY: the timed-out requests no longer count.
  const while_stuck = await loop.admin(SET_QUORUM);
  assert.equal(while_stuck.code, "SP_ERR_TIMEOUT");
  stuck = false;
  release();
  await loop.whenIdle();
  const after = await loop.admin(SET_QUORUM);
  assert.equal(after.ok, true, JSON.stringify(after));
  loop.stop();
});

void test("beyond the pending bound, requests are answered busy at once", async () => {
  const loop = new AgentLoop(agentState(), ports(never), options({ admin_timeout_ms: 60_000 }));
  const pending = [1, 2, 3, 4].map(() => loop.admin(SET_QUORUM));
  const busy = await loop.admin(SET_QUORUM);
  assert.equal(busy.code, "SP_ERR_BUSY");
  loop.stop();
  const stopped = await Promise.all(pending);
  assert.deepEqual(
    stopped.map((r) => r.code),
    ["SP_ERR_STOPPED", "SP_ERR_STOPPED", "SP_ERR_STOPPED", "SP_ERR_STOPPED"],
  );
});

void test("an operator change is answered once written, and the written record is in the state first", async () => {
  let outcome: "ok" | "refused" = "ok";
  const written: unknown[] = [];
  const base = ports(() => Promise.resolve());
  const loop = new AgentLoop(
    agentState(),
    {
      ...base,
      topology: {
        commit: () => never(),
        forget: () => Promise.resolve(true),
        commitOperator: (_name, change) => {
          written.push(change);
          if (outcome === "refused")
            return Promise.resolve({ ok: false, code: "SP_ERR_UNAVAILABLE", message: "ERR kv down" });
          const pause = change.kind === "pause" ? change.pause : undefined;
          return Promise.resolve({
            ok: true,
            record: { ...RECORD, ...(pause ? { pause } : {}) },
            revision: 2,
          });
        },
      },
    },
    options({ unix_ms: () => 1_780_000_000_000 }),
  );
  loop.feed({ type: "tick", now_ms: 0 });
  loop.feed({ type: "topology_observed", now_ms: 0, record: RECORD, revision: 1 });
  await loop.whenIdle();
  const reply = await loop.admin({ type: "pause", name: "mymaster", duration_ms: 60_000, by: "test" });
  assert.deepEqual(reply, { ok: true, message: "OK" });
  assert.equal(written.length, 1);
  assert.equal(loop.state.masters.get("mymaster")?.operator.pause?.until_unix_ms, 1_780_000_060_000);
  outcome = "refused";
  const refused = await loop.admin({ type: "resume", name: "mymaster", by: "test" });
  assert.deepEqual(refused, { ok: false, code: "SP_ERR_UNAVAILABLE", message: "ERR kv down" });
  loop.stop();
});

void test("REMOVE deletes the master's committed record, after the removal is persisted", async () => {
  const calls: string[] = [];
  const base = ports((state) => {
    calls.push(`persist ${state.masters.length}`);
    return Promise.resolve();
  });
  const loop = new AgentLoop(
    agentState(),
    {
      ...base,
      topology: {
        commit: () => never(),
        commitOperator: () => never(),
        forget: (name, revision) => {
          calls.push(`forget ${name} ${revision}`);
          return Promise.resolve(true);
        },
      },
    },
    options(),
  );
  loop.feed({ type: "topology_observed", now_ms: 0, record: RECORD, revision: 4 });
  await loop.whenIdle();
  assert.deepEqual(await loop.admin({ type: "remove", name: "mymaster" }), { ok: true, message: "OK" });
  await loop.whenIdle();
  assert.deepEqual(calls.slice(-2), ["persist 0", "forget mymaster 4"]);
});

void test("REMOVE is answered once the fence lifts it sent to the replicas are done", async () => {
  const replica = R1;
  const info = masterInfo([replica]);
  const lifts: { target: unknown; done: () => void }[] = [];
  const base = ports(() => Promise.resolve());
  const loop = new AgentLoop(
    agentState(),
    {
      ...base,
      prober: {
        probe: (target, kind) =>
          kind === "info" && target.host === PRIMARY.host
            ? Promise.resolve({ kind: "info", ok: true, info })
            : never(),
        retain: () => undefined,
      },
      nodes: {
        command: (target) =>
          new Promise((resolve) => {
            lifts.push({
              target,
              done: () => {
                resolve({ ok: true, role: "slave", offset: 0 });
              },
            });
          }),
      },
    } as AgentPorts,
    options({ admin_timeout_ms: 5000 }),
  );
  loop.feed({ type: "tick", now_ms: 0 });
  await loop.whenIdle();
  await loop.whenIdle();
  let answered = false;
  const reply = loop.admin({ type: "remove", name: "mymaster" }).then((r) => {
    answered = true;
    return r;
  });
  await loop.whenIdle();
  assert.deepEqual(
    lifts.map((l) => l.target),
    [replica],
  );
  assert.equal(answered, false, "not before the lift is done");
  for (const l of lifts) l.done();
  assert.deepEqual(await reply, { ok: true, message: "OK" });
});
