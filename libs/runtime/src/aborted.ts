// The stores' loops (topology-store, journal-store) test their abort signal again after each await.
// TypeScript narrows `signal.aborted` to false after a first check and then flags the later one
// as always false; read through a function, the flag is read afresh: it changes while an await
// is pending.
export function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
