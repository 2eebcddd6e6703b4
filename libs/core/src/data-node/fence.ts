// Fencing = `CONFIG SET min-replicas-to-write 2147483647`. Why this mechanism:
// - writes are refused at once with -NOREPLICAS (clients fail fast and re-discover the primary),
//   where CLIENT PAUSE WRITE would block them until the pause ends;
// - it does not expire by itself: if the data-node dies while the node is fenced, the node stays
//   fenced (CLIENT PAUSE has a timeout and would silently resume writes);
// - reads and replication keep working, so the node can still be a source for a catch-up.
// The value before fencing is persisted by the data-node and restored by `unfence`.

/** No real deployment has this many replicas: the marker that means "fenced". */
export const FENCE_MARKER = 2147483647;

export function isFenced(min_replicas_to_write: number | null): boolean {
  return min_replicas_to_write === FENCE_MARKER;
}

/**
 * The min-replicas-to-write value in a redis.conf text (last occurrence wins, as in Redis;
 * `min-slaves-to-write` is the old name). 0 when absent.
 */
export function minReplicasFromConfig(text: string): number {
  let value = 0;
  for (const raw of text.split("\n")) {
    const match = /^\s*min-(?:replicas|slaves)-to-write\s+(\d+)\s*$/i.exec(raw);
    if (match?.[1] !== undefined) value = Number(match[1]);
  }
  return value;
}
