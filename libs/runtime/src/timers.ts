// The loops' timer port (agent-shell, vip-shell): Node's timers in the services, the simulator's
// event queue in the simulator, so that a loop reads time only through its options and these.

/**
 * One-shot timers. `after` returns the timer's cancel; cancelling a fired or cancelled timer does
 * nothing.
 */
export interface Timers {
  after(delay_ms: number, run: () => void): () => void;
}

/** Node's timers: the services'. */
export const nodeTimers: Timers = {
  after: (delay_ms, run) => {
    const timer = setTimeout(run, delay_ms);
    return () => {
      clearTimeout(timer);
    };
  },
};
