// One time base for several processes: the wall clock at the process's start plus its monotonic
// clock since. Processes on one machine agree on it to well under a millisecond, so the test can
// compare the time it sent SIGKILL with the time a client process saw its next acknowledged write.
export function wallClock_ms(): number {
  return performance.timeOrigin + performance.now();
}
