// `SENTINEL DEBUG [<param> <value> ...]`: Sentinel's test-only timing parameters (sentinel.c
// sentinelSetDebugConfigParameters / addReplySentinelDebugInfo). Test harnesses, Redis's own
// included, set them to shorten Sentinel's fixed periods. Those that mean the same in the core
// (info-period, tilt-trigger, tilt-period) are handed to it through `onChange` (the agent feeds a
// `set_timing` input, libs/core timing.ts); the others have no counterpart of the same meaning
// (PINGs every down-after / 10, pushed opinions instead of asking, election timeouts in hundreds
// of ms), so they are validated, kept and reported only.
import type { Reply } from "./reply.js";
import { bulkNumber, errorErr, map, simple } from "./reply.js";

/** Sentinel 7.0's defaults, in the order `SENTINEL DEBUG` lists them. */
const DEFAULTS: readonly (readonly [name: string, ms: number])[] = [
  ["info-period", 10_000],
  ["ping-period", 1_000],
  ["ask-period", 1_000],
  ["publish-period", 2_000],
  ["default-down-after", 30_000],
  ["default-failover-timeout", 180_000],
  ["tilt-trigger", 2_000],
  ["tilt-period", 30_000],
  ["slave-reconf-timeout", 10_000],
  ["min-link-reconnect-period", 15_000],
  ["election-timeout", 10_000],
  ["script-max-runtime", 60_000],
  ["script-retry-delay", 30_000],
];

export class DebugParams {
  readonly #values = new Map<string, number>(DEFAULTS);

  /** `onChange` runs after an accepted change, with every parameter's current value. */
  readonly #onChange: ((get: (name: string) => number | undefined) => void) | undefined;
  constructor(onChange?: (get: (name: string) => number | undefined) => void) {
    this.#onChange = onChange;
  }

  get(name: string): number | undefined {
    return this.#values.get(name);
  }

  /** The reply to `SENTINEL DEBUG ...`; `args` are the arguments after DEBUG. */
  command(args: readonly string[]): Reply {
    if (args.length === 0) {
      return map([...this.#values].map(([name, ms]) => [name.toUpperCase(), bulkNumber(ms)] as const));
    }
    // Validate every pair before applying any: a refused command changes nothing.
    const changes: [string, number][] = [];
    for (let j = 0; j < args.length; j += 2) {
      const option = args[j] ?? "";
      const name = option.toLowerCase();
      const raw = args[j + 1];
      if (!this.#values.has(name) || raw === undefined) {
        return errorErr(`Unknown option or number of arguments for SENTINEL DEBUG '${option}'`);
      }
      const value = /^-?\d{1,18}$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(value) || value <= 0) {
        return errorErr(`Invalid argument '${raw}' for SENTINEL DEBUG '${option}'`);
      }
      changes.push([name, value]);
    }
    for (const [name, value] of changes) this.#values.set(name, value);
    this.#onChange?.((name) => this.#values.get(name));
    return simple("OK");
  }
}
