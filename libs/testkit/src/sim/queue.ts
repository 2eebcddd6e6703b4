// The simulator's event queue: a binary min-heap ordered by (time, insertion sequence), so that
// events at the same simulated millisecond run in a deterministic order.
export interface Scheduled {
  readonly at_ms: number;
  readonly seq: number;
  readonly run: () => void;
}

export class EventQueue {
  readonly #heap: Scheduled[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(at_ms: number, run: () => void): void {
    this.#seq += 1;
    const heap = this.#heap;
    heap.push({ at_ms, seq: this.#seq, run });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  peekTime(): number | null {
    return this.#heap[0]?.at_ms ?? null;
  }

  pop(): Scheduled | null {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return null;
    const last = heap.pop();
    if (last !== undefined && heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        swap(heap, i, m);
        i = m;
      }
    }
    return top;
  }
}

function before(a: Scheduled | undefined, b: Scheduled | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.at_ms < b.at_ms || (a.at_ms === b.at_ms && a.seq < b.seq);
}

function swap(heap: Scheduled[], i: number, j: number): void {
  const a = heap[i];
  const b = heap[j];
  if (a === undefined || b === undefined) return;
  heap[i] = b;
  heap[j] = a;
}
