// sentinel.conf as the agent rewrites it (SENTINEL FLUSHCONFIG, CONFIG SET, ACL changes, SHUTDOWN):
// the file's own config, changed by those commands, with the core's persisted state and the
// masters' local options laid over it at each write.
import { masterNames, persistedState } from "@sentinel-plane/core";
import { writeFileAtomic } from "@sentinel-plane/runtime";
import { applyPersistedState, renderSentinelConf } from "../config/index.js";
import type { SentinelConfig } from "../config/index.js";
import type { LocalMasterOptions } from "../local-master-options.js";
import type { AgentLoop } from "@sentinel-plane/agent-shell";
import type { AgentBase } from "./agent-base.js";
import type { Late } from "./late.js";

export interface ConfigFile {
  /** Changes what the next flush writes (a global parameter, the users, a TLS file). */
  update(change: (config: SentinelConfig) => SentinelConfig): void;
  /** Rewrites sentinel.conf from the current state; rejects when the write fails. */
  flush(): Promise<void>;
  /** The file's config as changed since the start (SENTINEL CONFIG SET sentinel-user...). */
  current(): SentinelConfig;
}

export function createConfigFile(
  base: AgentBase,
  local: LocalMasterOptions,
  loop: Late<AgentLoop>,
): ConfigFile {
  let file_config = base.file_config;
  return {
    update: (change) => {
      file_config = change(file_config);
    },
    flush: async () => {
      const state = loop.get().state;
      local.retain(new Set(masterNames(state)));
      file_config = local.overlay(applyPersistedState(file_config, persistedState(state)));
      const written = await writeFileAtomic(
        base.options.config_path,
        renderSentinelConf(base.document, file_config),
      );
      if (!written.ok) throw written.error;
    },
    current: () => file_config,
  };
}
