// One run: fresh processes, readiness, two writers warmed up on the primary, the fault, then the
// failover timed on one clock until it has settled (+failover-end and both writers acknowledged by
// the new primary), and every acknowledged key checked on the new primary. A run that fails keeps
// what it measured and says why; the caller goes on with the next run.
import { Harness } from "@sentinel-plane/testkit";
import { abortable, directClient, redisPid, until } from "./clients.js";
import { EventRecorder } from "./events.js";
import { injectFault } from "./faults.js";
import {
  aboutMaster,
  firstTimedEvents,
  lastAckBefore_ms,
  missingFrom,
  outage_ms,
  switchedToPort,
  timeline,
} from "./figures.js";
import type { Implementation } from "./implementations.js";
import { MASTER_NAME, REPLICAS } from "./implementations.js";
import { waitReady } from "./readiness.js";
import type { FaultKind, RunRecord, SeenEvent, WriterFigures, WriterName } from "./types.js";
import { startPlainWriter, startSentinelWriter } from "./writers.js";
import type { Writer } from "./writers.js";

const READY_TIMEOUT_MS = 60_000;
/** Acknowledged writes each writer must have on the primary before the fault. */
const WARM_ACKS = 200;
const WARM_TIMEOUT_MS = 20_000;
/** After the fault: how long the failover may take to settle, beyond down-after. */
const SETTLE_SLACK_MS = 30_000;
const MGET_BATCH = 500;

export interface RunSpec {
  readonly impl: Implementation;
  readonly fault: FaultKind;
  readonly down_after_ms: number;
  readonly round: number;
  readonly signal: AbortSignal;
  /** Told the run's harness as soon as it exists, so an interrupt can tear it down. */
  readonly onHarness: (procs: Harness | null) => void;
}

/** `key acked by :port at +t ms` (t relative to the fault; negative before it). */
function lostKeyNote(
  acks: readonly { key: string; t_ms: number; port: number }[],
  key: string,
  fault_ms: number,
): string {
  const ack = acks.find((a) => a.key === key);
  if (ack === undefined) return key;
  return `${key} acked by :${String(ack.port)} at ${(ack.t_ms - fault_ms).toFixed(1)} ms`;
}

/** The acknowledged keys that `port` does not have. */
async function lostKeys(port: number, keys: readonly string[]): Promise<string[]> {
  const client = directClient(port, { connection_name: "bench-check", command_timeout_ms: 5000 });
  try {
    await client.connect();
    const lost: string[] = [];
    for (let i = 0; i < keys.length; i += MGET_BATCH) {
      const batch = keys.slice(i, i + MGET_BATCH);
      lost.push(...missingFrom(batch, await client.mget(...batch)));
    }
    return lost;
  } finally {
    client.disconnect();
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "?";
}

export async function oneRun(spec: RunSpec): Promise<RunRecord> {
  const { impl, fault, down_after_ms } = spec;
  const procs = new Harness(`bench-${impl.name}-${fault}`, spec.signal, { stop_grace_ms: 1000 });
  spec.onHarness(procs);
  const master_name = MASTER_NAME;
  let old_port = 0;
  let new_port = Number.NaN;
  let fault_ms = Number.NaN;
  let inject_ms = Number.NaN;
  let reason: string | null = null;
  let recorder: EventRecorder | null = null;
  const writers: Writer[] = [];
  const figures: Partial<Record<WriterName, WriterFigures>> = {};
  try {
    const wait = <T>(p: Promise<T>): Promise<T> => abortable(p, spec.signal);
    const deployment = await wait(impl.start(procs, down_after_ms));
    old_port = deployment.primary_port;
    const events = await EventRecorder.start(deployment.sentinel_ports);
    recorder = events;
    procs.onCleanup(() => {
      events.close();
    });
    await wait(
      waitReady(
        {
          master_name,
          primary_port: old_port,
          replicas: REPLICAS,
          sentinel_ports: deployment.sentinel_ports,
        },
        READY_TIMEOUT_MS,
      ),
    );
    const pid = await redisPid(old_port);
    procs.adoptPid(pid);
    const prefix = `${impl.name}-${fault}-${spec.round}`;
    writers.push(startSentinelWriter(deployment.sentinel_ports, master_name, prefix));
    writers.push(startPlainWriter(deployment.sentinel_ports, master_name, prefix));
    procs.onCleanup(() => Promise.all(writers.map((w) => w.stop())).then(() => undefined));
    await wait(
      until(
        "writers warmed up on the primary",
        () =>
          Promise.resolve(
            writers.every((w) => w.acks.filter((a) => a.port === old_port).length >= WARM_ACKS),
          ),
        { timeout_ms: WARM_TIMEOUT_MS, interval_ms: 20 },
      ),
    );

    const injected = await injectFault(fault, deployment, pid, procs);
    fault_ms = injected.fault_ms;
    inject_ms = injected.inject_ms;
    const settle_ms = down_after_ms + SETTLE_SLACK_MS;
    const deadline_ms = fault_ms + settle_ms;
    const left = (): number => Math.max(1, deadline_ms - performance.now());
    const seen = (name: string): Promise<SeenEvent> =>
      wait(events.waitFor((e) => e.name === name && aboutMaster(e, master_name), fault_ms, left())).catch(
        (error: unknown) => {
          throw spec.signal.aborted ? error : new Error(`no ${name} within ${settle_ms} ms of the fault`);
        },
      );
    new_port = switchedToPort((await seen("+switch-master")).payload);
    await seen("+failover-end");
    await wait(
      until(
        "both writers acknowledged by the new primary",
        () => Promise.resolve(writers.every((w) => Number.isFinite(outage_ms(w.acks, fault_ms, new_port)))),
        { timeout_ms: left(), interval_ms: 10 },
      ),
    );
  } catch (error) {
    reason = firstLine(error);
  } finally {
    await Promise.all(writers.map((w) => w.stop()));
    for (const w of writers) {
      // null: not checked (no new primary known, interrupted, or the check itself failed).
      let lost: string[] | null = null;
      if (Number.isFinite(new_port) && !spec.signal.aborted) {
        try {
          lost = await lostKeys(
            new_port,
            w.acks.map((a) => a.key),
          );
        } catch (error) {
          reason ??= `key check: ${firstLine(error)}`;
        }
      }
      figures[w.name] = {
        outage_ms: outage_ms(w.acks, fault_ms, new_port),
        last_ack_before_ms: lastAckBefore_ms(w.acks, fault_ms),
        acked: w.acks.length,
        lost: lost === null ? Number.NaN : lost.length,
        errors: w.errors(),
        client_restarts: w.restarts(),
        // Which server acknowledged each lost key, and when (ms after the fault): a key the old
        // primary acknowledged just before a SIGKILL is async replication's window; one a new
        // primary acknowledged is not.
        lost_sample: (lost ?? []).slice(0, 10).map((key) => lostKeyNote(w.acks, key, fault_ms)),
      };
    }
    recorder?.close();
    await procs.teardown();
    spec.onHarness(null);
  }
  const seen = recorder?.events ?? [];
  return {
    impl: impl.name,
    fault,
    down_after_ms,
    round: spec.round,
    ok: reason === null,
    reason,
    old_port,
    new_port,
    inject_ms,
    events_ms: Number.isFinite(fault_ms) ? firstTimedEvents(seen, fault_ms, master_name) : {},
    timeline_ms: Number.isFinite(fault_ms) ? timeline(seen, fault_ms) : {},
    writers: figures,
  };
}
