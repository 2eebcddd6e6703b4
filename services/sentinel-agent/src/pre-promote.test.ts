import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RunOnceOptions, RunOnceResult } from "@sentinel-plane/hooks";
import type { Logger } from "@sentinel-plane/runtime";
import { PrePromoteRunner } from "./pre-promote.js";
import type { PrePromoteEffect } from "./pre-promote.js";

const EFFECT: PrePromoteEffect = {
  type: "run_pre_promote",
  hook_id: 12,
  master_name: "mymaster",
  epoch: 7,
  script: "/usr/local/bin/fence",
  from: { host: "10.0.0.1", port: 6379 },
  to: { host: "10.0.0.2", port: 6380 },
  timeout_ms: 3000,
};

function result(ok: boolean, detail: string): RunOnceResult {
  return {
    ok,
    detail,
    exit_code: ok ? 0 : 1,
    signal: null,
    timed_out: false,
    duration_ms: 5,
    output: "fenced\n",
    output_dropped_bytes: 0,
  };
}

function recordingLogger(): { logger: Logger; lines: { level: string; msg: string; obj: object }[] } {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger = {
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    debug: at("debug"),
  } as unknown as Logger;
  return { logger, lines };
}

void describe("PrePromoteRunner", () => {
  void it("runs the script with Sentinel's argv order, PATH, SP_MASTER and SP_EPOCH, cwd /, the effect's timeout", async () => {
    const calls: { argv: readonly string[]; options: RunOnceOptions }[] = [];
    const { logger, lines } = recordingLogger();
    const runner = new PrePromoteRunner({
      running_max: 2,
      output_max_bytes: 100,
      logger,
      run: (argv, options) => {
        calls.push({ argv, options });
        return Promise.resolve(result(true, "exit-0"));
      },
    });
    assert.deepEqual(await runner.run(EFFECT), { ok: true, detail: "exit-0" });
    const call = calls[0];
    assert.ok(call !== undefined);
    assert.deepEqual(call.argv, [
      "/usr/local/bin/fence",
      "mymaster",
      "leader",
      "pre-promote",
      "10.0.0.1",
      "6379",
      "10.0.0.2",
      "6380",
    ]);
    const options = call.options;
    assert.deepEqual(Object.keys(options.env).sort(), ["PATH", "SP_EPOCH", "SP_MASTER"]);
    assert.equal(options.env["SP_EPOCH"], "7");
    assert.equal(options.env["SP_MASTER"], "mymaster");
    assert.equal(options.cwd, "/");
    assert.equal(options.timeout_ms, 3000);
    assert.equal(options.output_max_bytes, 100);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        ["info", "pre-promote script started"],
        ["info", "pre-promote script succeeded (exit-0)"],
      ],
    );
    assert.equal(runner.running, 0);
  });

  void it("reports a failure as the core's input, logged as a warning with the output", async () => {
    const { logger, lines } = recordingLogger();
    const runner = new PrePromoteRunner({
      running_max: 2,
      output_max_bytes: 100,
      logger,
      run: () => Promise.resolve(result(false, "exit-1")),
    });
    assert.deepEqual(await runner.run(EFFECT), { ok: false, detail: "exit-1" });
    const last = lines.at(-1);
    assert.ok(last !== undefined);
    assert.equal(last.level, "warn");
    assert.match(last.msg, /failed \(exit-1\): the failover is aborted/);
    assert.equal((last.obj as { output?: string }).output, "fenced\n");
  });

  void it("refuses a run beyond running_max at once (busy), without starting it", async () => {
    const { logger } = recordingLogger();
    let release: (r: RunOnceResult) => void = () => undefined;
    let started = 0;
    const runner = new PrePromoteRunner({
      running_max: 1,
      output_max_bytes: 100,
      logger,
      run: () => {
        started += 1;
        return new Promise((resolve) => {
          release = resolve;
        });
      },
    });
    const first = runner.run(EFFECT);
    assert.deepEqual(await runner.run({ ...EFFECT, hook_id: 13 }), { ok: false, detail: "busy" });
    assert.equal(started, 1);
    release(result(true, "exit-0"));
    assert.deepEqual(await first, { ok: true, detail: "exit-0" });
    assert.equal(runner.running, 0);
  });
});
