// The system programs a local cluster needs. On a fresh Debian machine of this kind, as root,
// the missing packages are installed with apt (their own services kept from starting on the
// default ports); elsewhere the command to run is printed.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { CliError, EXIT } from "../errors.js";

/** program -> Debian package. */
export const REQUIRED: ReadonlyMap<string, string> = new Map([
  ["redis-server", "redis-server"],
  ["redis-cli", "redis-tools"],
  ["nats-server", "nats-server"],
]);

const APT_TIMEOUT_MS = 600_000;

export function onPath(program: string): boolean {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export function missingPackages(): string[] {
  return [...REQUIRED].filter(([program]) => !onPath(program)).map(([, pkg]) => pkg);
}

function run(step: (line: string) => void, command: string, args: readonly string[]): void {
  step(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", RUNLEVEL: "1" },
    timeout: APT_TIMEOUT_MS,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new CliError(
      EXIT.start_failed,
      "CLI_INSTALL_FAILED",
      `${command} ${args.join(" ")} failed (${String(result.status ?? result.signal)}): ${result.stderr.slice(-2000)}`,
    );
  }
}

/** Installs what is missing (root + apt-get), or explains how. */
export function ensureInstalled(step: (line: string) => void, allowed: boolean): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  const root = process.getuid?.() === 0;
  if (!allowed || !root || !onPath("apt-get")) {
    throw new CliError(
      EXIT.start_failed,
      "CLI_MISSING_PROGRAMS",
      `missing ${missing.join(", ")}: install with \`sudo ${command}\` (or run \`npm run up\` as root)`,
    );
  }
  step(`installing ${missing.join(", ")} with apt`);
  run(step, "apt-get", ["update", "-qq"]);
  run(step, "apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing]);
  // The packages start their own services on the default ports: this cluster does not use them.
  for (const service of ["redis-server", "nats-server"]) {
    spawnSync("service", [service, "stop"], { stdio: "ignore", timeout: 30_000 });
  }
  const still = missingPackages();
  if (still.length > 0)
    throw new CliError(
      EXIT.start_failed,
      "CLI_INSTALL_FAILED",
      `still missing after apt: ${still.join(", ")}`,
    );
}
