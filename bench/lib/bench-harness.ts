// A bench's process harness. Outside node:test no `t.after` tears it down, so this does: every
// process is stopped however the body ends, and on a throw the harness first dumps the processes'
// logs and keeps its temp dir (markFailed), which is all a failed bench run leaves to read.
import { Harness } from "@sentinel-plane/testkit";
import type { HarnessOptions } from "@sentinel-plane/testkit";

export async function withBenchHarness<T>(
  name: string,
  options: HarnessOptions,
  body: (procs: Harness, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const procs = new Harness(name, controller.signal, options);
  try {
    return await body(procs, controller.signal);
  } catch (error) {
    procs.markFailed();
    throw error;
  } finally {
    await procs.teardown();
    controller.abort();
  }
}
