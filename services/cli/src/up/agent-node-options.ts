// The node options and the malloc setting an agent of the local cluster starts with. The same
// defaults are in the systemd unit (deploy/systemd/sentinel-plane-agent.service) and the image's
// entry point (compose/docker-entrypoint.sh); agent-node-options.test.ts keeps the three equal.

/**
 * V8 heap sizing for the agent (README, "Agent memory"): a 2 MB young semi-space instead of up to
 * 16 MB, and an old-generation limit, which also makes V8 grow the heap by a factor of about 1.3
 * instead of up to 4 before a major GC. The live heap at 200 primaries is about 33 MB.
 */
export const AGENT_NODE_OPTIONS_DEFAULT = "--max-semi-space-size=2 --max-old-space-size=256";

/** `AGENT_NODE_OPTIONS` from the environment (set but empty: none), else the default; one per word. */
export function agentNodeOptions(env: Readonly<Record<string, string | undefined>>): string[] {
  const value = env["AGENT_NODE_OPTIONS"] ?? AGENT_NODE_OPTIONS_DEFAULT;
  return value.split(/\s+/).filter((word) => word !== "");
}

/**
 * glibc malloc arenas for the agent: one. Each thread that allocates (V8's GC and compiler
 * workers, libuv's pool) may otherwise get an arena of its own, and their pages stay resident;
 * the agent allocates on its main thread almost only. RSS at 200 primaries 116 -> 106 MB (median
 * of samples, CPU unchanged: README "Agent memory", `bench/scale --agent-env MALLOC_ARENA_MAX=1`).
 */
export const AGENT_MALLOC_ARENA_MAX_DEFAULT = "1";

/** The agent's malloc setting: `MALLOC_ARENA_MAX` from the environment, else the default. */
export function agentMallocEnv(env: Readonly<Record<string, string | undefined>>): {
  MALLOC_ARENA_MAX: string;
} {
  return { MALLOC_ARENA_MAX: env["MALLOC_ARENA_MAX"] ?? AGENT_MALLOC_ARENA_MAX_DEFAULT };
}
