// The security mode of a benchmark run (issue 14: failover figures with auth and TLS on must stay
// within 10 % of the plain ones). One mode per process, chosen once by main.ts before any run:
//  - auth: a password on every sentinel's / agent's Sentinel port (`requirepass`, and for Redis
//    Sentinel `sentinel sentinel-pass` so that sentinels still reach each other); every bench
//    client of a Sentinel port authenticates. NATS authorization is on in both modes (startCluster's
//    default).
//  - tls: every redis-server and every Sentinel port speaks TLS with client certificates (one
//    throwaway CA); every bench client connects with TLS and the client certificate.
// Data redis-servers have no password in either mode (the auth is about the control plane).
import type { RedisOptions } from "ioredis";
import { redisTls } from "@sentinel-plane/runtime";
import type { TlsMaterial } from "@sentinel-plane/runtime";

export interface TlsFilesUsed {
  readonly ca_file: string;
  readonly cert_file: string;
  readonly key_file: string;
}

export interface SecurityMode {
  /** The Sentinel-port password, or null (auth off). */
  readonly password: string | null;
  /** The certificates every process and client uses, or null (TLS off). */
  readonly tls: { readonly files: TlsFilesUsed; readonly material: TlsMaterial } | null;
}

export const PLAIN: SecurityMode = { password: null, tls: null };

/** What a client connects to: a Sentinel port (password + TLS) or a redis-server (TLS only). */
export type Target = "sentinel" | "redis";

/** The ioredis options a client of `target` needs in `mode` (empty in plain mode). */
export function connectionOptions(mode: SecurityMode, target: Target): Partial<RedisOptions> {
  return {
    ...(target === "sentinel" && mode.password !== null ? { password: mode.password } : {}),
    ...(mode.tls === null ? {} : { tls: redisTls(mode.tls.material) }),
  };
}

/** The ioredis Sentinel-mode options (sentinel connections and the master connection). */
export function sentinelModeOptions(mode: SecurityMode): Partial<RedisOptions> {
  return {
    ...(mode.password === null ? {} : { sentinelPassword: mode.password }),
    ...(mode.tls === null
      ? {}
      : {
          enableTLSForSentinelMode: true,
          sentinelTLS: redisTls(mode.tls.material),
          tls: redisTls(mode.tls.material),
        }),
  };
}

/** "plain", "auth", "tls" or "auth+tls". */
export function modeName(mode: SecurityMode): string {
  const parts = [...(mode.password === null ? [] : ["auth"]), ...(mode.tls === null ? [] : ["tls"])];
  return parts.length === 0 ? "plain" : parts.join("+");
}

/** One line for result headers: the mode and what it turns on. */
export function modeLabel(mode: SecurityMode): string {
  const password =
    mode.password === null
      ? "no Sentinel-port password"
      : "Sentinel-port password (requirepass) on both sides, every client authenticates";
  const tls =
    mode.tls === null
      ? "no TLS"
      : "TLS with client certificates on every redis-server, Sentinel port, replication link and (ours) NATS link, every client connects with TLS (the bench's clients, like ours, make one TLS context and reuse it for every connection: runtime redisTls)";
  return `${modeName(mode)}: ${password}; ${tls}; NATS authorization on (ours)`;
}

let current: SecurityMode = PLAIN;

export function setSecurityMode(mode: SecurityMode): void {
  current = mode;
}

export function securityMode(): SecurityMode {
  return current;
}
