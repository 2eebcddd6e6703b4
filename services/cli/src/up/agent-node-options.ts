// The node options and the malloc setting an agent of the local cluster starts with. The same
// defaults are in the systemd unit (deploy/systemd/sentinel-plane-agent.service) and the image's
// entry point (compose/docker-entrypoint.sh); agent-node-options.test.ts keeps the three equal.

/**
 * V8 heap sizing for the agent (README, "Agent memory"): a 1 MB young semi-space instead of up to
 * 16 MB (2 MB: about 3 MB more RSS at 200 primaries, CPU alike), an old-generation limit, which
 * also makes V8 grow the heap by a factor of about 1.3 instead of up to 4 before a major GC, and
 * compaction at every major GC: the agent's records live about a second (one probe period), so
 * they die in the old generation, scattered over its pages; without compaction V8 keeps those
 * pages, about 6 MB more RSS at 200 primaries (a major GC every 7 s there, CPU alike).
 * The live heap at 200 primaries is about 22 MB.
 */
export const AGENT_NODE_OPTIONS_DEFAULT =
  "--max-semi-space-size=1 --max-old-space-size=256 --compact-on-every-full-gc";

/** `AGENT_NODE_OPTIONS` from the environment (set but empty: none), else the default; one per word. */
export function agentNodeOptions(env: Readonly<Record<string, string | undefined>>): string[] {
  const value = env["AGENT_NODE_OPTIONS"] ?? AGENT_NODE_OPTIONS_DEFAULT;
  return value.split(/\s+/).filter((word) => word !== "");
}

/**
 * glibc malloc settings for the agent (README, "Agent memory"), each unless set in the environment:
 * - `MALLOC_ARENA_MAX=1`: one arena. Each thread that allocates (V8's GC and compiler workers,
 *   libuv's pool) may otherwise get an arena of its own, whose pages stay resident; the agent
 *   allocates on its main thread almost only (RSS at 200 primaries 116 -> 106 MB).
 * - `MALLOC_MMAP_THRESHOLD_=32768`: blocks of 32 kB and more are mapped apart and given back when
 *   freed. Compiling the bundle at start takes about 21 MB of V8 compiler memory in 32 kB blocks,
 *   freed afterwards; from the heap, most of them stayed resident (free, but below blocks still in
 *   use) for the agent's whole life. A fixed threshold also stops glibc raising it (and the trim
 *   threshold with it) after a large block is freed.
 */
export const AGENT_MALLOC_ENV_DEFAULT = { MALLOC_ARENA_MAX: "1", MALLOC_MMAP_THRESHOLD_: "32768" } as const;

export type AgentMallocEnv = { readonly [K in keyof typeof AGENT_MALLOC_ENV_DEFAULT]: string };

/** The agent's malloc settings: each from the environment, else its default. */
export function agentMallocEnv(env: Readonly<Record<string, string | undefined>>): AgentMallocEnv {
  return {
    MALLOC_ARENA_MAX: env["MALLOC_ARENA_MAX"] ?? AGENT_MALLOC_ENV_DEFAULT.MALLOC_ARENA_MAX,
    MALLOC_MMAP_THRESHOLD_: env["MALLOC_MMAP_THRESHOLD_"] ?? AGENT_MALLOC_ENV_DEFAULT.MALLOC_MMAP_THRESHOLD_,
  };
}
