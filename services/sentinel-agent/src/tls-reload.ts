// Certificate rotation without a restart (README "Security", TLS). Redis re-reads its TLS files
// on `CONFIG SET tls-cert-file|tls-key-file|...` (config.c applyTlsCfg: every file again, the
// new context for new connections, the old settings kept when one fails). Redis Sentinel 7.0 has
// no CONFIG and refuses these names in SENTINEL CONFIG SET; the agent takes them there, with
// Redis's semantics: the value may be the same path (the file was replaced: read it again), the
// whole TLS material is read and checked before anything changes, and on success the Sentinel
// port and REST serve the new certificate to new connections while open ones keep theirs. The
// links to Redis and NATS keep the material they started with (until a restart).
import type { TlsOptions } from "node:tls";
import type { Result } from "@sentinel-plane/protocol";
import { err, ok } from "@sentinel-plane/protocol";
import { TLS_RUNTIME_FILES } from "./config/index.js";
import type { SentinelConfig, TlsRuntimeFile } from "./config/index.js";
import type { AgentTls } from "./tls-setup.js";
import { setupAgentTls } from "./tls-setup.js";

export const TLS_RELOAD_PARAMS = TLS_RUNTIME_FILES;
export type TlsReloadParam = TlsRuntimeFile;

export function tlsReloadParam(name: string): TlsReloadParam | null {
  const lowered = name.toLowerCase();
  return TLS_RELOAD_PARAMS.find((p) => p === lowered) ?? null;
}

/** The config with one TLS file setting changed ("" clears it, as Redis' CONFIG SET does). */
export function withTlsParam(config: SentinelConfig, param: TlsReloadParam, value: string): SentinelConfig {
  const v = value === "" ? null : value;
  const t = config.tls;
  switch (param) {
    case "tls-cert-file":
      return { ...config, tls: { ...t, cert_file: v } };
    case "tls-key-file":
      return { ...config, tls: { ...t, key_file: v } };
    case "tls-key-file-pass":
      return { ...config, tls: { ...t, key_file_pass: v } };
    case "tls-ca-cert-file":
      return { ...config, tls: { ...t, ca_cert_file: v } };
    case "tls-ca-cert-dir":
      return { ...config, tls: { ...t, ca_cert_dir: v } };
  }
}

/** Where new TLS contexts go: the Sentinel port's TLS listener and the https REST server. */
export interface TlsTargets {
  readonly resp: (options: TlsOptions) => void;
  readonly rest: (options: TlsOptions) => void;
}

/**
 * Holds the effective TLS settings since the start. `set` reads and checks the whole material
 * with the change (setupAgentTls, the start's own check) and applies it only if it is good.
 */
export class TlsReloader {
  #config: SentinelConfig;
  readonly #targets: TlsTargets;

  constructor(config: SentinelConfig, targets: TlsTargets) {
    this.#config = config;
    this.#targets = targets;
  }

  set(param: TlsReloadParam, value: string): Result<AgentTls> {
    const next = withTlsParam(this.#config, param, value);
    const tls = setupAgentTls(next);
    if (!tls.ok) return err(tls.error);
    this.#config = next;
    if (tls.value.resp !== null) this.#targets.resp(tls.value.resp.options);
    if (tls.value.rest !== null) this.#targets.rest(tls.value.rest);
    return ok(tls.value);
  }
}
