// Public surface of the protocol: NATS subjects, versioned message schemas, coded errors.
export { ERRORS, SpError, spError, isSpError, isErrorCode, formatErrorMessage, errnoCode } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { isJsonObject } from "./json-object.js";
export { ok, err } from "./result.js";
export type { Result } from "./result.js";
export {
  SUBJECT_PREFIX,
  validateId,
  isValidId,
  encodeToken,
  decodeToken,
  nodeStatusSubject,
  allNodeStatusSubject,
  nodeCommandSubject,
  nodeLeaseSubject,
  allNodeLeaseSubject,
  allNodeSwitchoverSubject,
  nodeSwitchoverSubject,
  nodeLeaseGrantSubject,
  nodeLeaseGrantFromSubject,
  agentMessageSubject,
  agentInboxSubject,
  agentsBroadcastSubject,
  allAgentsBroadcastSubject,
  agentSubjectSender,
  eventsSubject,
  allEventsSubject,
  topologyBucket,
  topologyKey,
  journalStream,
  journalSubject,
  allJournalSubject,
  journalSubjectWriter,
} from "./subjects.js";
export type { IdKind, JournalKind } from "./subjects.js";
export { HistoryRecordSchema, AuditRecordSchema, AUDIT_CHANNELS } from "./schemas/journal.js";
export type { WireHistoryRecord, WireAuditRecord, AuditChannel } from "./schemas/journal.js";
export { PROTOCOL_VERSION, Id, Port, Host, Epoch, AddressSchema } from "./schemas/common.js";
export {
  NodeStatusReportSchema,
  RedisInfoSchema,
  ProcessStateSchema,
  InfoReplicaEntrySchema,
} from "./schemas/node-status.js";
export type { NodeStatusReport, WireRedisInfo, WireProcessState } from "./schemas/node-status.js";
export {
  NodeCommandRequestSchema,
  NodeCommandReplySchema,
  NodeCommandBodySchema,
  NODE_COMMAND_TYPES,
  NodeCommandTypeSchema,
} from "./schemas/node-command.js";
export type {
  NodeCommandBody,
  NodeCommandRequest,
  NodeCommandReply,
  NodeCommandType,
} from "./schemas/node-command.js";
export {
  MESSAGE_BYTES_MAX,
  describeErrors,
  parseJson,
  decoderFor,
  decodeNodeStatus,
  decodeNodeCommand,
  decodeNodeCommandReply,
  decodeLeaseRequest,
  decodeLeaseGrant,
  decodeSwitchoverRequest,
  decodeSwitchoverReply,
  encodeMessage,
} from "./decode.js";
export {
  AgentIdSchema,
  MasterName,
  MasterSettingsSchema,
  AdminCommandSchema,
  PeerMessageSchema,
  PEER_MESSAGE_TYPES,
  TopologyRecordSchema,
  EventMessageSchema,
} from "./schemas/peer.js";
export type {
  WirePeerMessage,
  WireTopologyRecord,
  WireAdminCommand,
  WireMasterSettings,
  WireEventMessage,
} from "./schemas/peer.js";
export {
  decodePeerBatch,
  decodePeerMessage,
  decodeTopologyRecord,
  decodeEventMessage,
  decodeHistoryRecord,
  decodeAuditRecord,
  PEER_BATCH_MAX,
} from "./decode-peer.js";
export type { PeerBatch } from "./decode-peer.js";
export { LeaseRequestSchema, LeaseGrantSchema, LEASE_MS_MAX } from "./schemas/lease.js";
export type { LeaseRequest, LeaseGrant } from "./schemas/lease.js";
export { SwitchoverRequestSchema, SwitchoverReplySchema } from "./schemas/switchover.js";
export type { SwitchoverRequest, SwitchoverReply } from "./schemas/switchover.js";
export { TlsFilesSchema } from "./schemas/tls-files.js";
export type { TlsFilesInput } from "./schemas/tls-files.js";
export { NatsSectionSchema } from "./schemas/nats-section.js";
export type { NatsSectionInput } from "./schemas/nats-section.js";
export { ServiceLogLevelSchema } from "./schemas/service-log-level.js";
export type { ServiceLogLevel } from "./schemas/service-log-level.js";
export { MASTER_NAME_LENGTH_MAX, masterNameProblem, isValidMasterName } from "./names.js";
export {
  natsUser,
  natsUserIdentity,
  natsInboxPrefix,
  natsPermissions,
  renderNatsAuthorization,
} from "./nats-auth.js";
export type { NatsRole, NatsIdentity, NatsPermissions, NatsUserEntry } from "./nats-auth.js";
