// SENTINEL CONFIG SET tls-*: every TLS file read again, the new certificate served by the
// Sentinel port and REST to new connections, the setting written back (tls-reload.ts).
import type { RespServer } from "../resp/index.js";
import type { AdminResult } from "../resp/index.js";
import type { RestServer } from "../rest/index.js";
import { TlsReloader, withTlsParam } from "../tls-reload.js";
import type { TlsReloadParam } from "../tls-reload.js";
import type { AgentBase } from "./agent-base.js";
import type { ConfigFile } from "./config-file.js";
import type { Late } from "./late.js";

export type ReloadTls = (param: TlsReloadParam, value: string) => Promise<AdminResult>;

export interface TlsConfigSetContext {
  readonly base: AgentBase;
  readonly config_file: ConfigFile;
  /** The Sentinel port, built after this (its CONFIG SET calls here): read only on a reload. */
  readonly resp: Late<RespServer>;
  readonly rest: RestServer;
}

export function createTlsConfigSet(ctx: TlsConfigSetContext): ReloadTls {
  const { base, config_file, resp, rest } = ctx;
  const { logger } = base;
  const tls_reloader = new TlsReloader(base.config, {
    resp: (options) => {
      resp.get().setTlsContext(options);
    },
    rest: (options) => {
      rest.setTlsContext(options);
    },
  });
  return async (param, value) => {
    const reloaded = tls_reloader.set(param, value);
    if (!reloaded.ok) {
      logger.warn(
        { event: "tls_reload_failed", param, code: reloaded.error.code, reason: reloaded.error.message },
        `TLS configuration not changed (${param}): ${reloaded.error.message}`,
      );
      return {
        ok: false,
        error: `ERR CONFIG SET failed (possibly related to argument '${param}') - Unable to update TLS configuration: ${reloaded.error.message}`,
      };
    }
    logger.info({ event: "tls_reloaded", param }, `TLS files read again after CONFIG SET ${param}`);
    config_file.update((config) => withTlsParam(config, param, value));
    try {
      await config_file.flush();
      return { ok: true };
    } catch {
      return { ok: false, error: "ERR Failed to save config file. Check server logs." };
    }
  };
}
