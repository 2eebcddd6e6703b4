// Building blocks shared by the message schemas. Field names follow the core's types
// (libs/core/src/types.ts) so a decoded message is usable as the core's input without renaming.
import { Type } from "typebox";

export const PROTOCOL_VERSION = 1;

export const Id = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" });
export const Port = Type.Integer({ minimum: 1, maximum: 65535 });
export const Host = Type.String({ minLength: 1, maxLength: 255 });
// Epochs are safe integers: a peer must not push one past 2^53 - 1, where +1 stops counting.
export const Epoch = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const Offset = Type.Integer({ minimum: -1 });

export const AddressSchema = Type.Object({ host: Host, port: Port }, { additionalProperties: false });
