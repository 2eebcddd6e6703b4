// The loops' time ports (agent-shell, vip-shell, data-node-shell): Node's timers and clock in the
// services, the simulator's event queue and clock in the simulator, so that a loop reads time only
// through its options and these.

/**
 * One-shot timers. `after` returns the timer's cancel; cancelling a fired or cancelled timer does
 * nothing.
 */
export interface Timers {
  after(delay_ms: number, run: () => void): () => void;
}

/**
 * Timers that can also run something `soon`: once the events already received are handled
 * (setImmediate's check phase in a service: a reply already read is counted before a timer could
 * mistake this process's stall for its peer's).
 */
export interface SoonTimers extends Timers {
  soon(run: () => void): void;
}

/** A process's monotonic clock (performance.now() in the services). */
export interface Clock {
  now_ms(): number;
}

/** Node's timers: the services'. */
export const nodeTimers: SoonTimers = {
  after: (delay_ms, run) => {
    const timer = setTimeout(run, delay_ms);
    return () => {
      clearTimeout(timer);
    };
  },
  soon: (run) => {
    setImmediate(run);
  },
};

/** Node's monotonic clock: the services'. */
export const nodeClock: Clock = { now_ms: () => performance.now() };
