// The watchdog's orphan fence (libs/core data-node watchdog.ts: why, and the rule): the command
// line the watchdog runs when its data-node is gone while the server may take writes. It is
// redis-cli, beside redis-server (Debian's redis-tools; a build tree has both), with the
// data-node's own connection settings, sending the data-node's fence (core fence.ts). The password
// goes through REDISCLI_AUTH, not argv: a command line is readable by every user in /proc.
// An encrypted client key (`key_pass`) has no redis-cli option: the fence then fails and the
// watchdog kills at the deadline, as it did before the orphan fence.
import { dirname, join } from "node:path";
import { FENCE_MARKER } from "@sentinel-plane/core/data-node";
import type { TlsFiles } from "@sentinel-plane/runtime";

export interface OrphanFenceCommand {
  readonly argv: readonly string[];
  /** Added to the watchdog's environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface OrphanFenceTarget {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
  readonly tls_files?: TlsFiles;
}

/** redis-cli of the same installation as `redis_server_path` (a bare name: found on PATH). */
export function redisCliPath(redis_server_path: string): string {
  return redis_server_path.includes("/") ? join(dirname(redis_server_path), "redis-cli") : "redis-cli";
}

function tlsArgs(files: TlsFiles | undefined): string[] {
  if (files === undefined) return [];
  const args = ["--tls"];
  if (files.ca_file != null) args.push("--cacert", files.ca_file);
  if (files.ca_dir != null) args.push("--cacertdir", files.ca_dir);
  if (files.cert_file != null) args.push("--cert", files.cert_file);
  if (files.key_file != null) args.push("--key", files.key_file);
  return args;
}

export function orphanFenceCommand(redis_cli_path: string, target: OrphanFenceTarget): OrphanFenceCommand {
  const argv = [
    redis_cli_path,
    "-h",
    target.host,
    "-p",
    String(target.port),
    ...(target.user === undefined ? [] : ["--user", target.user]),
    ...tlsArgs(target.tls_files),
    "CONFIG",
    "SET",
    "min-replicas-to-write",
    String(FENCE_MARKER),
  ];
  return { argv, env: target.password === undefined ? {} : { REDISCLI_AUTH: target.password } };
}
