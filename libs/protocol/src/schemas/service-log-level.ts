// A service config's `log_level` (data-node, vip-manager): the logger's levels (libs/runtime
// logger.ts) without "silent", which no config can choose. One schema, so every service takes
// the same words.
import { Type } from "typebox";
import type { Static } from "typebox";

export const ServiceLogLevelSchema = Type.Union([
  Type.Literal("trace"),
  Type.Literal("debug"),
  Type.Literal("info"),
  Type.Literal("warn"),
  Type.Literal("error"),
  Type.Literal("fatal"),
]);

export type ServiceLogLevel = Static<typeof ServiceLogLevelSchema>;
