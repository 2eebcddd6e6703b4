import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { pingPeriodMs } from "./detection.js";
import { Harness, PRIMARY, R1, R2, eventNames, eventTexts, masterInfo, replicaInfo } from "./test-support.js";
import type { Effect, PingReply, ProbeResult } from "./types.js";

void test("probes: one outstanding PING and INFO per instance; replicas discovered from INFO", () => {
  const h = new Harness();
  const first = h.advance(100);
  const probes = first.filter((e) => e.type === "probe");
  assert.deepEqual(probes.map((p) => p.kind).sort(), ["info", "ping"]);
  // Unanswered: nothing new is sent for the same instance.
  assert.equal(h.advance(300).filter((e) => e.type === "probe").length, 0);
  const answered = h.answerProbes(probes, true);
  assert.deepEqual(eventNames(answered), ["+slave", "+slave"]);
  assert.ok(
    answered.some((e) => e.type === "persist"),
    "discovery is persisted",
  );
});

void test("a hang waits for down_after before +sdown", () => {
  const h = new Harness({ down_after_ms: 1000 });
  h.live(3000, true);
  const effects = h.live(900, false);
  assert.ok(!eventNames(effects).includes("+sdown"));
  const later = h.live(1500, false);
  assert.ok(eventTexts(later).includes("+sdown master mymaster 10.0.0.1 6379"));
  assert.equal(masterView(h.state, "mymaster")?.sdown, true);
  const back = h.live(1500, true);
  assert.ok(eventNames(back).includes("-sdown"));
});

function exitReport(
  h: Harness,
  supervised: boolean,
  seq: number,
  state: "exited" | "running" = "exited",
): Effect[] {
  return h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "n1",
      address: PRIMARY,
      supervised,
      process: state === "exited" ? { state, code: null, signal: "SIGKILL" } : { state },
      fenced: false,
      epoch: 0,
      seq,
    },
  });
}

/** The PING probes of the primary among `effects`. */
function primaryPings(effects: readonly Effect[]): (Effect & { type: "probe" })[] {
  return effects.flatMap((e) =>
    e.type === "probe" &&
    e.kind === "ping" &&
    e.target.host === PRIMARY.host &&
    e.target.port === PRIMARY.port
      ? [e]
      : [],
  );
}

function answerPing(h: Harness, probe: Effect & { type: "probe" }, ok: boolean): Effect[] {
  return h.input({
    type: "probe_result",
    now_ms: h.now_ms,
    probe_id: probe.probe_id,
    target: probe.target,
    result: ok
      ? { kind: "ping", ok: true, reply: "PONG" }
      : { kind: "ping", ok: false, error: "ECONNREFUSED" },
  });
}

void test("a supervised exit is down as soon as our own PING after the report fails; an unsupervised one is not", () => {
  const unsupervised = new Harness({ down_after_ms: 30000 });
  unsupervised.live(2000, true);
  assert.ok(!eventNames(exitReport(unsupervised, false, 1)).includes("+sdown"));
  const h = new Harness({ down_after_ms: 30000 });
  h.live(2000, true);
  const reported = exitReport(h, true, 1);
  assert.ok(!eventNames(reported).includes("+sdown"), "not before our own PING confirms it");
  const ping = primaryPings(reported)[0];
  assert.ok(ping !== undefined, "a PING goes out at once");
  const effects = answerPing(h, ping, false);
  assert.ok(eventNames(effects).includes("+sdown"));
  // The opinion goes out at once.
  assert.ok(effects.some((e) => e.type === "send" && e.message.type === "down_opinion" && e.message.down));
  // An older (reordered) report changes nothing.
  assert.deepEqual(eventNames(exitReport(h, true, 1)), []);
});

void test("an exited report contradicted by a PONG from the same address is not trusted, nor are its repeats", () => {
  const h = new Harness({ down_after_ms: 30000 });
  h.live(2000, true);
  let seq = 1;
  const reported = exitReport(h, true, seq);
  const ping = primaryPings(reported)[0];
  assert.ok(ping !== undefined);
  const answered = answerPing(h, ping, true);
  assert.ok(!eventNames(answered).includes("+sdown"));
  // The data-node keeps reporting the exit (it failed to start a second server): no down, no
  // extra PING, no opinion, while the server answers our regular PINGs.
  const later: Effect[] = [];
  for (let i = 0; i < 20; i += 1) {
    seq += 1;
    later.push(...exitReport(h, true, seq), ...h.live(500, true));
  }
  assert.ok(!eventNames(later).includes("+sdown"));
  assert.ok(!later.some((e) => e.type === "send" && e.message.type === "down_opinion" && e.message.down));
  assert.equal(masterView(h.state, "mymaster")?.sdown, false);
  // Once it reports the process running, a later exit is checked (and trusted) again.
  exitReport(h, true, ++seq, "running");
  const again = primaryPings(exitReport(h, true, seq + 1))[0];
  assert.ok(again !== undefined, "a new exit is checked anew");
  assert.ok(eventNames(answerPing(h, again, false)).includes("+sdown"));
});

void test("a PING sent before the exited report does not confirm it", () => {
  const h = new Harness({ down_after_ms: 30000 });
  h.live(2000, true);
  const before = primaryPings(h.advance(1000))[0]; // outstanding when the report arrives
  assert.ok(before !== undefined);
  const reported = exitReport(h, true, 1);
  assert.deepEqual(eventNames(answerPing(h, before, false)), [], "an earlier PING is forgotten");
  const ping = primaryPings(reported)[0];
  assert.ok(ping !== undefined);
  assert.ok(eventNames(answerPing(h, ping, false)).includes("+sdown"));
});

void test("+reboot when the run id changes", () => {
  const h = new Harness();
  h.live(1000, true);
  const effects = h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "n1",
      address: PRIMARY,
      supervised: true,
      process: { state: "running" },
      info: {
        ...(h.state.masters.get("mymaster")?.link.info ?? assert.fail("no info")),
        run_id: "f".repeat(40),
      },
      fenced: false,
      epoch: 0,
      seq: 5,
    },
  });
  assert.deepEqual(eventTexts(effects), ["+reboot master mymaster 10.0.0.1 6379"]);
});

/** The primary restarted: a data-node's INFO with a new run id (`+reboot`). */
function reboot(h: Harness, run_id: string): Effect[] {
  return h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "n1",
      address: PRIMARY,
      supervised: true,
      process: { state: "running" },
      info: { ...masterInfo([R1, R2]), run_id },
      fenced: false,
      epoch: 0,
      seq: 5,
    },
  });
}

/** `ms` of ticks; the primary answers PING with `reply` and INFO under `run_id`, the replicas PONG. */
function liveAnswering(h: Harness, ms: number, reply: PingReply, run_id: string): Effect[] {
  const effects: Effect[] = [];
  const end = h.now_ms + ms;
  while (h.now_ms < end) {
    h.now_ms += 100;
    const tick = h.input({ type: "tick", now_ms: h.now_ms });
    effects.push(...tick);
    for (const e of tick) {
      if (e.type !== "probe") continue;
      const is_primary = e.target.host === PRIMARY.host && e.target.port === PRIMARY.port;
      const result: ProbeResult =
        e.kind === "ping"
          ? { kind: "ping", ok: true, reply: is_primary ? reply : "PONG" }
          : {
              kind: "info",
              ok: true,
              info: is_primary ? { ...masterInfo([R1, R2]), run_id } : replicaInfo(e.target),
            };
      effects.push(
        ...h.input({
          type: "probe_result",
          now_ms: h.now_ms,
          probe_id: e.probe_id,
          target: e.target,
          result,
        }),
      );
    }
  }
  return effects;
}

const RUN_ID_AFTER = "f".repeat(40);

void test("master-reboot-down-after-period: a rebooted primary still LOADING after the period is down, as in sentinel.c", () => {
  const h = new Harness({ down_after_ms: 1000, master_reboot_down_after_period_ms: 5000 });
  h.live(2000, true);
  assert.deepEqual(eventNames(reboot(h, RUN_ID_AFTER)), ["+reboot"]);
  // LOADING answers a PING (available): down-after never fires, and not within the period either.
  assert.ok(!eventNames(liveAnswering(h, 4800, "LOADING", RUN_ID_AFTER)).includes("+sdown"));
  assert.ok(
    eventTexts(liveAnswering(h, 400, "LOADING", RUN_ID_AFTER)).includes(
      "+sdown master mymaster 10.0.0.1 6379",
    ),
  );
  // Its first PONG ends the reboot: up again.
  assert.ok(eventNames(liveAnswering(h, 1000, "PONG", RUN_ID_AFTER)).includes("-sdown"));
  assert.equal(masterView(h.state, "mymaster")?.sdown, false);
  assert.ok(
    !eventNames(liveAnswering(h, 10_000, "LOADING", RUN_ID_AFTER)).includes("+sdown"),
    "no reboot pending",
  );
});

void test("master-reboot-down-after-period: a rebooted primary that answers PONG is never down for it", () => {
  const h = new Harness({ down_after_ms: 1000, master_reboot_down_after_period_ms: 5000 });
  h.live(2000, true);
  const effects = [...reboot(h, RUN_ID_AFTER), ...liveAnswering(h, 10_000, "PONG", RUN_ID_AFTER)];
  assert.deepEqual(eventNames(effects), ["+reboot"]);
  assert.equal(masterView(h.state, "mymaster")?.sdown, false);
});

void test("master-reboot-down-after-period 0 (the default): a primary LOADING after a reboot is never down for it", () => {
  const h = new Harness({ down_after_ms: 1000, master_reboot_down_after_period_ms: 0 });
  h.live(2000, true);
  assert.deepEqual(eventNames(reboot(h, RUN_ID_AFTER)), ["+reboot"]);
  assert.ok(!eventNames(liveAnswering(h, 20_000, "LOADING", RUN_ID_AFTER)).includes("+sdown"));
});

void test("the PING period is a tenth of down-after within [ping_period_ms, 1000] and never above it", () => {
  const period = (down_after_ms: number): number => {
    const h = new Harness({ down_after_ms });
    const master = h.state.masters.get("mymaster");
    assert.ok(master !== undefined);
    return pingPeriodMs({ ...h.state, timing: { ...h.state.timing, ping_period_ms: 100 } }, master);
  };
  assert.equal(period(1000), 100);
  assert.equal(period(500), 100); // the floor
  assert.equal(period(5000), 500);
  assert.equal(period(30000), 1000); // Sentinel's default down-after: Sentinel's period
  assert.equal(period(60000), 1000);
  assert.equal(period(50), 50); // never above down-after
});

void test("an unanswered PING asks for a wake at its SDOWN deadline, which then fires between ticks", () => {
  const h = new Harness({ down_after_ms: 1000 });
  h.live(3000, true);
  const link = h.state.masters.get("mymaster")?.link;
  assert.ok(link !== undefined);
  // The primary stops answering; ticks until the first wake is asked for.
  let wake: Effect | undefined;
  for (let i = 0; i < 30 && wake === undefined; i++) wake = h.live(100, false).find((e) => e.type === "wake");
  assert.ok(wake?.type === "wake");
  const since_ms = link.unanswered_since_ms;
  assert.ok(since_ms !== null);
  const deadline_ms = since_ms + 1000 + 1;
  assert.equal(h.now_ms + wake.after_ms, deadline_ms);
  assert.ok(h.now_ms < deadline_ms - 1, "asked for ahead of the deadline");
  // A step just before the deadline: not down yet. The wake's tick, between two ticks: down.
  const before = h.input({ type: "tick", now_ms: deadline_ms - 1 });
  assert.ok(!eventNames(before).includes("+sdown"));
  const at = h.input({ type: "tick", now_ms: deadline_ms });
  assert.ok(eventTexts(at).includes("+sdown master mymaster 10.0.0.1 6379"));
  // Once down, no more wakes for it.
  h.now_ms = deadline_ms;
  assert.equal(h.live(1000, false).filter((e) => e.type === "wake").length, 0);
});

void test("answered PINGs ask for no wake", () => {
  const h = new Harness({ down_after_ms: 1000 });
  assert.equal(h.live(3000, true).filter((e) => e.type === "wake").length, 0);
});
