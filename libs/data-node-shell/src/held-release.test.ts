import assert from "node:assert/strict";
import { test } from "node:test";
import type { Address } from "@sentinel-plane/core";
import { spError } from "@sentinel-plane/protocol";
import type { Result } from "@sentinel-plane/protocol";
import { CommandQueue } from "./command-queue.js";
import { releaseHeld } from "./held-release.js";
import type { Observed } from "./ports.js";

const PRIMARY: Address = { host: "10.0.0.2", port: 6379 };

function harness(observed: Observed, result: Result<string[]>) {
  const calls: string[] = [];
  const queue = new CommandQueue();
  const parts = {
    queue,
    server: {
      freshProbe: () => {
        calls.push("probe");
        return Promise.resolve();
      },
      current: () => observed,
    },
    roleChange: (primary: Address | null, has_config_file: boolean) => {
      calls.push(`role change ${primary === null ? "master" : primary.host} config file ${has_config_file}`);
      return Promise.resolve(result);
    },
    logger: {
      info: () => undefined,
      warn: (fields: Record<string, unknown>) =>
        calls.push(`log ${String(fields.event)} ${String(fields.ok)}`),
      error: () => undefined,
    },
  };
  return { calls, queue, parts };
}

const answering: Observed = {
  answered: true,
  role: "slave",
  min_replicas_to_write: 0,
  config_file: "/r.conf",
};

void test("released behind the queued commands, on a fresh probe, and shown by another", async () => {
  const { calls, queue, parts } = harness(answering, { ok: true, value: ["REPLICAOF 10.0.0.2 6379"] });
  const gate: { end: (() => void) | null } = { end: null };
  const command = queue.run(
    () =>
      new Promise<void>((resolve) => {
        calls.push("command");
        gate.end = resolve;
      }),
  );
  const released = releaseHeld(parts, PRIMARY);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ["command"], "the release waits for the command");
  assert.ok(gate.end !== null, "the command runs");
  gate.end();
  await command;
  assert.equal(await released, true);
  assert.deepEqual(calls, [
    "command",
    "probe",
    "role change 10.0.0.2 config file true",
    "log held_released true",
    "probe",
  ]);
});

void test("a server that does not answer is not released (false: tried again later)", async () => {
  const silent: Observed = { answered: false, role: null, min_replicas_to_write: null, config_file: null };
  const { calls, parts } = harness(silent, { ok: true, value: [] });
  assert.equal(await releaseHeld(parts, null), false);
  assert.deepEqual(calls, ["probe"]);
});

void test("a failed role change resolves false", async () => {
  const failed = { ok: false, error: spError("SP_ERR_REDIS_UNAVAILABLE", ["Connection is closed"]) } as const;
  const { calls, parts } = harness({ ...answering, config_file: "" }, failed);
  assert.equal(await releaseHeld(parts, null), false);
  assert.deepEqual(calls, [
    "probe",
    "role change master config file false",
    "log held_released false",
    "probe",
  ]);
});
