// Chooses how a test runs its Redis and NATS: SP_TEST_INFRA=processes|containers|auto (auto:
// containers when DOCKER_HOST names a reachable engine, processes otherwise). The choice and its
// reason are logged. testcontainers is loaded only when containers are considered.
import type { Harness } from "../process/harness.js";
import { ContainerInfra, imagesFromEnv } from "./container-infra.js";
import type { Infra, InfraMode } from "./infra.js";
import { ProcessInfra } from "./process-infra.js";

const ENGINE_PROBE_TIMEOUT_MS = 10_000;

export type Env = Readonly<Record<string, string | undefined>>;

/** Whether a container engine answers at DOCKER_HOST; the reason either way. */
export async function probeEngine(env: Env): Promise<{ ok: boolean; reason: string }> {
  const host = env["DOCKER_HOST"];
  if (host === undefined || host === "") return { ok: false, reason: "DOCKER_HOST is not set" };
  // Ryuk's image cannot be pulled where no registry is reachable; the harness removes the
  // containers itself.
  process.env["TESTCONTAINERS_RYUK_DISABLED"] ??= "true";
  try {
    const tc = await import("testcontainers");
    let timer: NodeJS.Timeout | undefined;
    const client = await Promise.race([
      tc.getContainerRuntimeClient(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`no answer within ${ENGINE_PROBE_TIMEOUT_MS} ms`));
        }, ENGINE_PROBE_TIMEOUT_MS);
      }),
    ]).finally(() => {
      clearTimeout(timer);
    });
    return { ok: true, reason: `engine at ${host}: ${String(client.info.containerRuntime.serverVersion)}` };
  } catch (error) {
    return {
      ok: false,
      reason: `no engine at ${host}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

export function requestedMode(env: Env): InfraMode | "auto" {
  const value = env["SP_TEST_INFRA"] ?? "auto";
  if (value === "processes" || value === "containers" || value === "auto") return value;
  throw new Error(`SP_TEST_INFRA must be processes, containers or auto, got "${value}"`);
}

/** The Infra for one mode; "containers" fails (never falls back) when no engine answers. */
export async function infraFor(procs: Harness, mode: InfraMode, env: Env = process.env): Promise<Infra> {
  if (mode === "processes") return new ProcessInfra(procs, "processes requested");
  const engine = await probeEngine(env);
  if (!engine.ok) throw new Error(`containers requested but ${engine.reason}`);
  return new ContainerInfra(procs, await import("testcontainers"), imagesFromEnv(env), engine.reason);
}

/** The modes a test should run in: both when an engine answers (auto), else the one requested. */
export async function availableModes(
  env: Env = process.env,
): Promise<{ modes: InfraMode[]; reason: string }> {
  const requested = requestedMode(env);
  if (requested !== "auto") return { modes: [requested], reason: `SP_TEST_INFRA=${requested}` };
  const engine = await probeEngine(env);
  return engine.ok
    ? { modes: ["processes", "containers"], reason: engine.reason }
    : { modes: ["processes"], reason: `${engine.reason}: local processes only` };
}
