import assert from "node:assert/strict";
import { test } from "node:test";
import { CommandQueue } from "./command-queue.js";

/** A change the test ends by hand, recording when it started. */
function gate(log: string[], name: string): { readonly run: () => Promise<string>; end(ok: boolean): void } {
  let settle: ((ok: boolean) => void) | null = null;
  return {
    run: () => {
      log.push(`start ${name}`);
      return new Promise<string>((resolve, reject) => {
        settle = (ok) => {
          if (ok) resolve(name);
          else reject(new Error(`${name} failed`));
        };
      });
    },
    end: (ok) => {
      assert.ok(settle !== null, `${name} has not started`);
      settle(ok);
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void test("changes run one at a time in the order queued, each outcome to its caller", async () => {
  const queue = new CommandQueue();
  const log: string[] = [];
  const a = gate(log, "a");
  const b = gate(log, "b");
  const c = gate(log, "c");
  const ran_a = queue.run(a.run);
  const ran_b = queue.run(b.run);
  const ran_c = queue.run(c.run);
  await turn();
  assert.deepEqual(log, ["start a"], "b waits for a");
  a.end(true);
  assert.equal(await ran_a, "a");
  await turn();
  assert.deepEqual(log, ["start a", "start b"]);
  b.end(false);
  await assert.rejects(ran_b, /b failed/);
  await turn();
  assert.deepEqual(log, ["start a", "start b", "start c"], "a failure does not stop the queue");
  c.end(true);
  assert.equal(await ran_c, "c");
});

void test("admit refuses an agent command beyond max_waiting; self-fences are not counted", async () => {
  const queue = new CommandQueue();
  const log: string[] = [];
  const first = gate(log, "first");
  const second = gate(log, "second");
  const fence = gate(log, "fence");
  const ran_first = queue.admit(2, first.run);
  const ran_second = queue.admit(2, second.run);
  const ran_fence = queue.run(fence.run);
  assert.ok(ran_first !== null && ran_second !== null);
  assert.equal(queue.admitted, 2);
  assert.equal(
    queue.admit(2, () => Promise.resolve("third")),
    null,
    "a third waits beyond the bound",
  );
  await turn();
  first.end(false);
  await assert.rejects(ran_first);
  await turn();
  assert.equal(queue.admitted, 1, "an ended command, failed too, frees its place");
  const ran_third = queue.admit(2, () => Promise.resolve("third"));
  assert.ok(ran_third !== null);
  second.end(true);
  await turn();
  fence.end(true);
  assert.deepEqual(await Promise.all([ran_second, ran_fence, ran_third]), ["second", "fence", "third"]);
  assert.deepEqual(log, ["start first", "start second", "start fence"]);
  assert.equal(queue.admitted, 0);
});
