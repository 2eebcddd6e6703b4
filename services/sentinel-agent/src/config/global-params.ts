// The global settings `SENTINEL CONFIG SET` changes at run time (sentinel.c
// sentinelConfigSetCommand), and the config written back to the file for each.
import type { SentinelConfig } from "./model.js";

export const RUNTIME_PARAMS = [
  "resolve-hostnames",
  "announce-hostnames",
  "announce-ip",
  "announce-port",
  "sentinel-user",
  "sentinel-pass",
] as const;
export type RuntimeParam = (typeof RUNTIME_PARAMS)[number];

/** The config to write back after `SENTINEL CONFIG SET param value` (already validated). */
export function withGlobalParam(config: SentinelConfig, param: RuntimeParam, value: string): SentinelConfig {
  switch (param) {
    case "resolve-hostnames":
      return { ...config, resolve_hostnames: value === "yes" };
    case "announce-hostnames":
      return { ...config, announce_hostnames: value === "yes" };
    case "announce-ip":
      return { ...config, announce_ip: value === "" ? null : value };
    case "announce-port":
      return { ...config, announce_port: Number(value) === 0 ? null : Number(value) };
    case "sentinel-user":
      return { ...config, sentinel_user: value === "" ? null : value };
    case "sentinel-pass":
      return { ...config, sentinel_pass: value === "" ? null : value };
  }
}
