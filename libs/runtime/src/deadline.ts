// A deadline on a promise that a stall of this process does not turn into a false timeout.

/**
 * Settles like `promise`, or rejects with `timeoutError()` once `timeout_ms` passed without a
 * settlement. When this process stalls (a busy start, GC, CPU starvation), Node runs the due
 * timer before it reads the sockets, so a reply that arrived in time would still count as
 * missing: the deadline gives the poll phase one turn (setImmediate runs after it) before it
 * rejects. Our own stall must not read as a silent server.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  timeout_ms: number,
  timeoutError: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      setImmediate(() => {
        reject(timeoutError());
      });
    }, timeout_ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
