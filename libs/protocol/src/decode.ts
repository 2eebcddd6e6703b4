// Decoding = parse + validate. Never throws: every failure is a typed SpError whose message names
// the offending path and the reason (`/command/port: must be <= 65535`).
import { Type } from "typebox";
import type { TSchema } from "typebox";
import { Compile } from "typebox/compile";
import type { Validator } from "typebox/compile";
import { spError } from "./errors.js";
import type { Result } from "./result.js";
import { err, ok } from "./result.js";
import { PROTOCOL_VERSION } from "./schemas/common.js";
import {
  NodeCommandBodySchema,
  NodeCommandRequestSchema,
  NodeCommandReplySchema,
  NodeCommandTypeSchema,
} from "./schemas/node-command.js";
import type { NodeCommandBody, NodeCommandReply, NodeCommandRequest } from "./schemas/node-command.js";
import { LeaseGrantSchema, LeaseRequestSchema } from "./schemas/lease.js";
import { SwitchoverReplySchema, SwitchoverRequestSchema } from "./schemas/switchover.js";
import type { SwitchoverReply, SwitchoverRequest } from "./schemas/switchover.js";
import type { LeaseGrant, LeaseRequest } from "./schemas/lease.js";
import { NodeStatusReportSchema } from "./schemas/node-status.js";
import type { NodeStatusReport } from "./schemas/node-status.js";
import { isJsonObject } from "./json-object.js";

/** Messages larger than this are refused before parsing (a bound on work per message). */
export const MESSAGE_BYTES_MAX = 1024 * 1024;
const ERRORS_SHOWN_MAX = 3;

interface ValidationError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message: string;
  readonly params: unknown;
}

/** Turns validator errors into one precise line: `path: reason; path: reason`. */
export function describeErrors(errors: readonly ValidationError[]): string {
  // "schema is false" repeats what the additionalProperties error says with the names in it;
  // an anyOf summary adds nothing when the branch errors are there.
  let useful = errors.filter((e) => e.keyword !== "boolean");
  if (useful.some((e) => e.keyword !== "anyOf")) useful = useful.filter((e) => e.keyword !== "anyOf");
  if (useful.length === 0) useful = [...errors];
  const lines: string[] = [];
  for (const error of useful.slice(0, ERRORS_SHOWN_MAX)) {
    const path = error.instancePath === "" ? "/" : error.instancePath;
    lines.push(`${path}: ${error.message}${detail(error)}`);
  }
  if (useful.length > ERRORS_SHOWN_MAX) lines.push(`(${useful.length - ERRORS_SHOWN_MAX} more)`);
  return lines.join("; ");
}

function detail(error: ValidationError): string {
  const params = error.params;
  if (typeof params !== "object" || params === null) return "";
  if ("additionalProperties" in params && Array.isArray(params.additionalProperties)) {
    return ` (${params.additionalProperties.map(String).join(", ")})`;
  }
  if ("allowedValue" in params) return ` ${JSON.stringify(params.allowedValue)}`;
  return "";
}

/** Bytes or text -> a JSON value, or a malformed-message error. */
export function parseJson(raw: Uint8Array | string): Result<unknown> {
  const size = typeof raw === "string" ? Buffer.byteLength(raw) : raw.byteLength;
  if (size > MESSAGE_BYTES_MAX) {
    return err(spError("SP_ERR_MALFORMED_MESSAGE", [`${size} bytes exceeds ${MESSAGE_BYTES_MAX}`]));
  }
  let text: string;
  try {
    text = typeof raw === "string" ? raw : new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch (cause) {
    return err(spError("SP_ERR_MALFORMED_MESSAGE", ["not valid UTF-8"], cause));
  }
  try {
    const value: unknown = JSON.parse(text);
    return ok(value);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return err(spError("SP_ERR_MALFORMED_MESSAGE", [`not JSON: ${reason}`], cause));
  }
}

/** Checks `v` and `type` first, so a newer version or another message kind gets its own code. */
function checkEnvelope(value: unknown, expected_type: string): Result<Record<string, unknown>> {
  if (!isJsonObject(value)) return err(spError("SP_ERR_MALFORMED_MESSAGE", ["/: must be an object"]));
  const record = value;
  if (!("v" in record)) return err(spError("SP_ERR_MALFORMED_MESSAGE", ["/: must have required property v"]));
  if (record["v"] !== PROTOCOL_VERSION) {
    return err(spError("SP_ERR_UNSUPPORTED_VERSION", [JSON.stringify(record["v"])]));
  }
  if (!("type" in record)) {
    return err(spError("SP_ERR_MALFORMED_MESSAGE", ["/: must have required property type"]));
  }
  if (record["type"] !== expected_type) {
    return err(
      spError("SP_ERR_UNKNOWN_MESSAGE_TYPE", [
        `${JSON.stringify(record["type"])} (expected "${expected_type}")`,
      ]),
    );
  }
  return ok(record);
}

function validate<T>(validator: Validator, value: unknown, prefix: string): Result<T> {
  if (validator.Check(value)) return ok(value as T);
  const errors = validator.Errors(value).map((e) => ({ ...e, instancePath: prefix + e.instancePath }));
  return err(spError("SP_ERR_MALFORMED_MESSAGE", [describeErrors(errors)]));
}

/** Decoder for a message whose schema is one object with `v` and `type`. */
export function decoderFor<T>(
  schema: TSchema,
  expected_type: string,
): (raw: Uint8Array | string) => Result<T> {
  const validator = Compile(schema);
  return (raw) => {
    const parsed = parseJson(raw);
    if (!parsed.ok) return parsed;
    const envelope = checkEnvelope(parsed.value, expected_type);
    if (!envelope.ok) return envelope;
    return validate<T>(validator, envelope.value, "");
  };
}

export const decodeNodeStatus = decoderFor<NodeStatusReport>(NodeStatusReportSchema, "node_status");

// The command body is a union discriminated by `type`: validate the envelope with a loose body,
// then the one branch `type` names, so errors speak about that branch only.
const commandEnvelopeValidator = Compile(
  Type.Object(
    {
      ...NodeCommandRequestSchema.properties,
      command: Type.Object({ type: NodeCommandTypeSchema }),
    },
    { additionalProperties: false },
  ),
);
const commandBranchValidators = new Map<string, Validator>(
  NodeCommandBodySchema.anyOf.map((branch) => [branch.properties.type.const, Compile(branch)]),
);

export function decodeNodeCommand(raw: Uint8Array | string): Result<NodeCommandRequest> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const envelope = checkEnvelope(parsed.value, "node_command");
  if (!envelope.ok) return envelope;
  const outer = validate<NodeCommandRequest>(commandEnvelopeValidator, envelope.value, "");
  if (!outer.ok) return outer;
  const body = outer.value.command;
  const branch = commandBranchValidators.get(body.type);
  if (branch === undefined) throw new Error(`no validator for command type ${body.type}`); // schema bug
  const inner = validate<NodeCommandBody>(branch, body, "/command");
  if (!inner.ok) return inner;
  return outer;
}

export const decodeNodeCommandReply = decoderFor<NodeCommandReply>(
  NodeCommandReplySchema,
  "node_command_reply",
);

export const decodeLeaseRequest = decoderFor<LeaseRequest>(LeaseRequestSchema, "lease_request");
export const decodeLeaseGrant = decoderFor<LeaseGrant>(LeaseGrantSchema, "lease_grant");
export const decodeSwitchoverRequest = decoderFor<SwitchoverRequest>(
  SwitchoverRequestSchema,
  "switchover_request",
);
export const decodeSwitchoverReply = decoderFor<SwitchoverReply>(SwitchoverReplySchema, "switchover_reply");

/** JSON text of a message (the inverse of decoding; no validation, the types carry it). */
export function encodeMessage(
  message:
    | NodeStatusReport
    | NodeCommandRequest
    | NodeCommandReply
    | LeaseRequest
    | LeaseGrant
    | SwitchoverRequest
    | SwitchoverReply,
): string {
  return JSON.stringify(message);
}
