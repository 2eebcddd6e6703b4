import assert from "node:assert/strict";
import { test } from "node:test";
import { FENCE_MARKER } from "@sentinel-plane/core/data-node";
import type { Observed } from "./ports.js";
import { ProbeSchedule } from "./probe-schedule.js";
import type { Observation } from "./report.js";
import { REPLICA_INFO } from "./test-support.js";

function answered(fenced: boolean): Observation {
  return {
    answered: true,
    info: REPLICA_INFO,
    min_replicas_to_write: fenced ? FENCE_MARKER : 0,
    config_file: "",
    error: null,
  };
}

/** Probes the test answers by hand, and every call the schedule makes, in order. */
interface Harness {
  readonly calls: string[];
  sent: number;
  generation: number;
  closed: boolean;
  answer(observation: Observation): void;
}

function harness(): Harness & { readonly schedule: ProbeSchedule } {
  const waiting: ((observation: Observation) => void)[] = [];
  const h: Harness = {
    calls: [],
    generation: 0,
    closed: false,
    sent: 0,
    answer: (observation) => {
      const next = waiting.shift();
      assert.ok(next !== undefined, "no probe waits");
      next(observation);
    },
  };
  const schedule = new ProbeSchedule({
    probe: () => {
      h.sent += 1;
      h.calls.push("probe sent");
      return new Promise((resolve) => waiting.push(resolve));
    },
    seen: (o) => h.calls.push(`seen ${String(o.min_replicas_to_write)}`),
    closed: () => h.closed,
    loop: {
      get fence_generation() {
        return h.generation;
      },
      observe: (o: Observed, generation: number) => {
        h.calls.push(`loop.observe ${String(o.min_replicas_to_write)} generation ${generation}`);
      },
      feedWatchdog: () => h.calls.push("feedWatchdog"),
      scheduleEvaluation: () => h.calls.push("scheduleEvaluation"),
    },
    reporter: {
      observe: () => h.calls.push("reporter.observe"),
      publishIfChanged: () => h.calls.push("publishIfChanged"),
    },
    restarter: { onObservation: () => h.calls.push("restarter") },
  });
  return Object.assign(h, { schedule });
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void test("an observation feeds, in order, the host, the report, the loop, the restarter, the watchdog", async () => {
  const h = harness();
  h.generation = 3;
  const probing = h.schedule.probeNow();
  h.generation = 4; // a fence written after the probe was sent: not settled by this probe
  h.answer(answered(true));
  await probing;
  assert.deepEqual(h.calls, [
    "probe sent",
    `seen ${FENCE_MARKER}`,
    "reporter.observe",
    `loop.observe ${FENCE_MARKER} generation 3`,
    "restarter",
    "feedWatchdog",
    "publishIfChanged",
    "scheduleEvaluation",
  ]);
});

void test("callers share the probe in flight; a fresh probe is one sent after the call", async () => {
  const h = harness();
  const first = h.schedule.probeNow();
  const shared = h.schedule.probeNow();
  const fresh = h.schedule.freshProbe();
  assert.equal(h.sent, 1, "one probe in flight");
  h.answer(answered(false));
  await first;
  await shared;
  await turn();
  assert.equal(h.sent, 2, "the fresh probe was sent after the first answered");
  let fresh_done = false;
  void fresh.then(() => (fresh_done = true));
  await turn();
  assert.equal(fresh_done, false, "the fresh probe waits for its own answer");
  h.answer(answered(true));
  await fresh;
});

void test("the poll probes and asks for an evaluation; nothing is observed once closed", async () => {
  const h = harness();
  h.schedule.poll();
  assert.deepEqual(h.calls, ["probe sent", "scheduleEvaluation"]);
  h.closed = true;
  h.answer(answered(false));
  await turn();
  assert.deepEqual(h.calls, ["probe sent", "scheduleEvaluation"], "a closed schedule observes nothing");
  h.schedule.poll();
  assert.equal(h.sent, 2, "the probe in flight ended: the next poll sends one");
});
