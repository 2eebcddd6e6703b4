// Injected randomness: the simulator passes a seeded PRNG, production a crypto-backed source.
// The core never calls Math.random.

/** Injected randomness (a seeded PRNG in the simulator, crypto in production). */
export interface Random {
  /** A uniformly distributed integer in [0, max_exclusive). */
  int(max_exclusive: number): number;
}

/** A uniformly distributed integer in [low, high_exclusive); `low` when the range is empty. */
export function randomBetween(random: Random, low: number, high_exclusive: number): number {
  const span = Math.floor(high_exclusive - low);
  if (span <= 1) return low;
  const value = random.int(span);
  if (!Number.isInteger(value) || value < 0 || value >= span) {
    throw new Error(`Random.int(${span}) returned ${value}: not an integer in range`);
  }
  return low + value;
}
