// Decoding of agent-to-agent messages and of the committed topology record. As for the data-node
// messages: parse, check the envelope (`v`, then `type`), then validate the one branch `type`
// names, so an error speaks about that branch only. Never throws.
import { Compile } from "typebox/compile";
import type { Validator } from "typebox/compile";
import { parseJson, describeErrors } from "./decode.js";
import { spError } from "./errors.js";
import type { SpError } from "./errors.js";
import type { Result } from "./result.js";
import { err, ok } from "./result.js";
import { PROTOCOL_VERSION } from "./schemas/common.js";
import { EventMessageSchema, PeerMessageSchema, TopologyRecordSchema } from "./schemas/peer.js";
import type { WireEventMessage, WirePeerMessage, WireTopologyRecord } from "./schemas/peer.js";
import { AuditRecordSchema, HistoryRecordSchema } from "./schemas/journal.js";
import type { WireAuditRecord, WireHistoryRecord } from "./schemas/journal.js";
import { isJsonObject } from "./json-object.js";

const peerValidators = new Map<string, Validator>(
  PeerMessageSchema.anyOf.map((branch) => [branch.properties.type.const, Compile(branch)]),
);
const topologyValidator = Compile(TopologyRecordSchema);

function envelope(value: unknown): Result<{ record: Record<string, unknown>; type: string }> {
  if (!isJsonObject(value)) return err(spError("SP_ERR_MALFORMED_MESSAGE", ["/: must be an object"]));
  const record = value;
  if (record["v"] !== PROTOCOL_VERSION) {
    if (!("v" in record))
      return err(spError("SP_ERR_MALFORMED_MESSAGE", ["/: must have required property v"]));
    return err(spError("SP_ERR_UNSUPPORTED_VERSION", [JSON.stringify(record["v"])]));
  }
  const type = record["type"];
  if (typeof type !== "string") return err(spError("SP_ERR_MALFORMED_MESSAGE", ["/type: must be a string"]));
  return ok({ record, type });
}

function check<T>(validator: Validator, value: unknown): Result<T> {
  if (validator.Check(value)) return ok(value as T);
  return err(spError("SP_ERR_MALFORMED_MESSAGE", [describeErrors(validator.Errors(value))]));
}

export function decodePeerMessage(raw: Uint8Array | string): Result<WirePeerMessage> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  return decodePeerValue(parsed.value);
}

/** Most messages one NATS payload may batch (a hello per master: 256 is ~64 KiB). */
export const PEER_BATCH_MAX = 256;

/** What a payload held: its valid messages, and an error per invalid one (or for the payload). */
export interface PeerBatch {
  readonly messages: WirePeerMessage[];
  readonly errors: SpError[];
}

/**
 * A payload of one message or of a JSON array of up to PEER_BATCH_MAX messages (an agent batches
 * what one step sends to the same subject). A bad element is reported and the others are kept.
 */
export function decodePeerBatch(raw: Uint8Array | string): PeerBatch {
  const parsed = parseJson(raw);
  if (!parsed.ok) return { messages: [], errors: [parsed.error] };
  if (!Array.isArray(parsed.value)) {
    const one = decodePeerValue(parsed.value);
    return one.ok ? { messages: [one.value], errors: [] } : { messages: [], errors: [one.error] };
  }
  const items: unknown[] = parsed.value;
  if (items.length === 0 || items.length > PEER_BATCH_MAX) {
    const reason = `/: a batch holds 1 to ${PEER_BATCH_MAX} messages, got ${items.length}`;
    return { messages: [], errors: [spError("SP_ERR_MALFORMED_MESSAGE", [reason])] };
  }
  const batch: PeerBatch = { messages: [], errors: [] };
  items.forEach((item) => {
    const one = decodePeerValue(item);
    if (one.ok) batch.messages.push(one.value);
    else batch.errors.push(one.error);
  });
  return batch;
}

function decodePeerValue(value: unknown): Result<WirePeerMessage> {
  const outer = envelope(value);
  if (!outer.ok) return outer;
  const validator = peerValidators.get(outer.value.type);
  if (validator === undefined) {
    return err(
      spError("SP_ERR_UNKNOWN_MESSAGE_TYPE", [
        `${JSON.stringify(outer.value.type)} (expected a peer message)`,
      ]),
    );
  }
  return check<WirePeerMessage>(validator, outer.value.record);
}

export function decodeTopologyRecord(raw: Uint8Array | string): Result<WireTopologyRecord> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const outer = envelope(parsed.value);
  if (!outer.ok) return outer;
  if (outer.value.type !== "topology") {
    return err(
      spError("SP_ERR_UNKNOWN_MESSAGE_TYPE", [`${JSON.stringify(outer.value.type)} (expected "topology")`]),
    );
  }
  return check<WireTopologyRecord>(topologyValidator, outer.value.record);
}

const eventValidator = Compile(EventMessageSchema);

export function decodeEventMessage(raw: Uint8Array | string): Result<WireEventMessage> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const outer = envelope(parsed.value);
  if (!outer.ok) return outer;
  if (outer.value.type !== "event") {
    return err(
      spError("SP_ERR_UNKNOWN_MESSAGE_TYPE", [`${JSON.stringify(outer.value.type)} (expected "event")`]),
    );
  }
  return check<WireEventMessage>(eventValidator, outer.value.record);
}

const historyRecordValidator = Compile(HistoryRecordSchema);
const auditRecordValidator = Compile(AuditRecordSchema);

function journalDecoder<T>(validator: Validator, expected: string): (raw: Uint8Array | string) => Result<T> {
  return (raw) => {
    const parsed = parseJson(raw);
    if (!parsed.ok) return parsed;
    const outer = envelope(parsed.value);
    if (!outer.ok) return outer;
    if (outer.value.type !== expected) {
      return err(
        spError("SP_ERR_UNKNOWN_MESSAGE_TYPE", [
          `${JSON.stringify(outer.value.type)} (expected "${expected}")`,
        ]),
      );
    }
    return check<T>(validator, outer.value.record);
  };
}

/** A failover record read back from the history stream. */
export const decodeHistoryRecord = journalDecoder<WireHistoryRecord>(
  historyRecordValidator,
  "failover_record",
);
/** An audit record read back from the audit stream. */
export const decodeAuditRecord = journalDecoder<WireAuditRecord>(auditRecordValidator, "audit_record");
