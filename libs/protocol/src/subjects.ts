// The NATS subject scheme. Everything lives under `sp.<cluster>.` so several clusters can share
// one NATS: a subscriber of one cluster never sees another's traffic.
//
//   sp.<cluster>.node.<node_id>.status    data-node status reports (publish)
//   sp.<cluster>.node.<node_id>.cmd       data-node commands (request/reply)
//   sp.<cluster>.node.<node_id>.lease     write-lease requests of a primary's data-node (publish)
//   sp.<cluster>.node.<node_id>.lease.grant.<agent_id>  an agent's answers to them (publish)
//   sp.<cluster>.agent.<to_id>.msg.<from_id>  direct messages between agents
//   sp.<cluster>.agents.<from_id>.msg     broadcast to every agent
// Every subject an agent publishes on names the sender, so a NATS permission
// (docs: nats-auth.ts) binds who may claim to be whom; receivers check the message's `from`
// against the subject (agentSubjectSender).
//   sp.<cluster>.events.<master>          Sentinel-style events of one master
//   KV bucket sp_<cluster>_topology       committed topology, one key per master name
//   sp.<cluster>.journal.history.<agent>  failover records an agent wrote (stream sp_<cluster>_history)
//   sp.<cluster>.journal.audit.<agent>    audit records an agent wrote (stream sp_<cluster>_audit)
import { spError } from "./errors.js";
import type { Result } from "./result.js";
import { err, ok } from "./result.js";

export const SUBJECT_PREFIX = "sp";

/** Cluster, node and agent ids: safe as a NATS token, a KV bucket part and a file name. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export type IdKind = "cluster" | "node" | "agent";

export function validateId(kind: IdKind, id: string): Result<string> {
  if (ID_PATTERN.test(id)) return ok(id);
  return err(spError("SP_ERR_INVALID_ID", [kind, JSON.stringify(id), "must match [A-Za-z0-9_-]{1,64}"]));
}

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

function checked(kind: IdKind, id: string): string {
  const result = validateId(kind, id);
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * Encodes any master name as one NATS token / KV key: `[A-Za-z0-9_-]` stay, every other UTF-8
 * byte becomes `=XX` (uppercase hex). Reversible, readable for the usual names, and free of the
 * characters NATS gives meaning to (`.`, `*`, `>`, whitespace).
 */
export function encodeToken(name: string): string {
  if (name.length === 0) return "=";
  let out = "";
  for (const byte of Buffer.from(name, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(ch) ? ch : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export function decodeToken(token: string): Result<string> {
  if (token === "=") return ok("");
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const ch = token.charAt(i);
    if (ch === "=") {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) {
        return err(
          spError("SP_ERR_MALFORMED_MESSAGE", [`bad escape at ${i} in token ${JSON.stringify(token)}`]),
        );
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (/[A-Za-z0-9_-]/.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return err(
        spError("SP_ERR_MALFORMED_MESSAGE", [`bad character at ${i} in token ${JSON.stringify(token)}`]),
      );
    }
  }
  return ok(Buffer.from(bytes).toString("utf8"));
}

export function nodeStatusSubject(cluster: string, node: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.${checked("node", node)}.status`;
}

/** Every data-node's status in a cluster. */
export function allNodeStatusSubject(cluster: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.*.status`;
}

export function nodeCommandSubject(cluster: string, node: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.${checked("node", node)}.cmd`;
}

/** A data-node's write-lease requests (docs/adr/0001-write-lease.md). */
export function nodeLeaseSubject(cluster: string, node: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.${checked("node", node)}.lease`;
}

/** Every data-node's lease requests: what agents subscribe to. */
export function allNodeLeaseSubject(cluster: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.*.lease`;
}

/** A data-node's switchover request before a planned shutdown (schemas/switchover.ts). */
export function nodeSwitchoverSubject(cluster: string, node: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.${checked("node", node)}.switchover`;
}

/** Every data-node's switchover requests: what agents subscribe to (one queue group). */
export function allNodeSwitchoverSubject(cluster: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.*.switchover`;
}

/** Where one agent publishes its grants for one data-node's lease requests. */
export function nodeLeaseGrantFromSubject(cluster: string, node: string, agent: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.${checked("node", node)}.lease.grant.${checked("agent", agent)}`;
}

/** Every agent's grants for one data-node: what that data-node subscribes to. */
export function nodeLeaseGrantSubject(cluster: string, node: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.node.${checked("node", node)}.lease.grant.*`;
}

/** A direct message from agent `from` to agent `to`. */
export function agentMessageSubject(cluster: string, to: string, from: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.agent.${checked("agent", to)}.msg.${checked("agent", from)}`;
}

/** Every direct message to agent `to`, whoever sends it. */
export function agentInboxSubject(cluster: string, to: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.agent.${checked("agent", to)}.msg.*`;
}

/** A broadcast of agent `from` to every agent. */
export function agentsBroadcastSubject(cluster: string, from: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.agents.${checked("agent", from)}.msg`;
}

/** Every agent's broadcasts. */
export function allAgentsBroadcastSubject(cluster: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.agents.*.msg`;
}

/**
 * The sender an agent-to-agent or grant subject names (its last agent token), or null when the
 * subject is none of those. Receivers compare it with the message's `from`.
 */
export function agentSubjectSender(subject: string): string | null {
  const t = subject.split(".");
  if (t[0] !== SUBJECT_PREFIX) return null;
  let sender: string | undefined;
  if (t.length === 5 && t[2] === "agents" && t[4] === "msg") sender = t[3];
  else if (t.length === 6 && t[2] === "agent" && t[4] === "msg") sender = t[5];
  else if (t.length === 7 && t[2] === "node" && t[4] === "lease" && t[5] === "grant") sender = t[6];
  return sender !== undefined && isValidId(sender) ? sender : null;
}

/** A master's events; `""` (token `=`, no master is named so) carries agent-wide events (+tilt). */
export function eventsSubject(cluster: string, master_name: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.events.${encodeToken(master_name)}`;
}

/** Every master's events in a cluster. */
export function allEventsSubject(cluster: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.events.*`;
}

/** JetStream KV bucket names allow `[A-Za-z0-9_-]`: the cluster id is already of that form. */
export function topologyBucket(cluster: string): string {
  return `${SUBJECT_PREFIX}_${checked("cluster", cluster)}_topology`;
}

export function topologyKey(master_name: string): string {
  return encodeToken(master_name);
}

/** The durable journals: failover history and audit log, one JetStream stream each. */
export type JournalKind = "history" | "audit";

/** The stream of a journal (stream names allow `[A-Za-z0-9_-]`, as the cluster id). */
export function journalStream(cluster: string, kind: JournalKind): string {
  return `${SUBJECT_PREFIX}_${checked("cluster", cluster)}_${kind}`;
}

/** Where agent `agent` appends to a journal: the subject names the writer, as a permission binds. */
export function journalSubject(cluster: string, kind: JournalKind, agent: string): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.journal.${kind}.${checked("agent", agent)}`;
}

/** Every writer's subject of a journal: the stream's subject filter. */
export function allJournalSubject(cluster: string, kind: JournalKind): string {
  return `${SUBJECT_PREFIX}.${checked("cluster", cluster)}.journal.${kind}.*`;
}

/** The writer a journal subject names, or null when the subject is not a journal's. */
export function journalSubjectWriter(subject: string): string | null {
  const t = subject.split(".");
  if (t.length !== 5 || t[0] !== SUBJECT_PREFIX || t[2] !== "journal") return null;
  const writer = t[4];
  return writer !== undefined && isValidId(writer) ? writer : null;
}
