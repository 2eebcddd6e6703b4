// Who may publish and subscribe to what on NATS: one identity per process, one permission set per
// role, rendered into nats-server's `authorization { users = [...] }` block (nats-server 2.9 and
// later). The subjects come from subjects.ts; a role can do its job and nothing else:
//
//   agent <id>       talks to agents as <id> only, commands data-nodes, grants leases as <id>,
//                    publishes events, reads and writes the topology KV bucket, appends to the
//                    history and audit journals as <id> and reads them
//   data-node <id>   publishes its own status and lease requests, receives its own commands and
//                    grants (and answers the commands), reads the topology KV bucket
//   vip-manager <id> reads the topology KV bucket
//   observer <id>    reads the topology KV bucket and the events (CLI, dashboards, tests)
//
// Each connection uses its own reply-inbox prefix `_INBOX.<user>` (natsInboxPrefix), so that one
// identity cannot read the replies (JetStream answers, KV watch deliveries) of another.
import {
  agentInboxSubject,
  agentsBroadcastSubject,
  allAgentsBroadcastSubject,
  allEventsSubject,
  allNodeLeaseSubject,
  allNodeStatusSubject,
  journalStream,
  journalSubject,
  nodeCommandSubject,
  nodeLeaseGrantSubject,
  nodeLeaseSubject,
  nodeSwitchoverSubject,
  allNodeSwitchoverSubject,
  nodeStatusSubject,
  SUBJECT_PREFIX,
  topologyBucket,
  validateId,
} from "./subjects.js";

export type NatsRole = "agent" | "data-node" | "vip-manager" | "observer";

export interface NatsIdentity {
  readonly role: NatsRole;
  /** The agent's myid, the data-node's node_id, a vip-manager's or observer's name. */
  readonly id: string;
}

export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** Lets the identity answer a request it received (once), whatever its reply subject. */
  readonly allow_responses: boolean;
}

/**
 * One `users` entry; `permissions: null` is an unrestricted (operator) user. A password written
 * `$NAME` is rendered as a nats-server variable reference, resolved from the server's environment
 * (compose keeps the secrets out of the file that way).
 */
export interface NatsUserEntry {
  readonly user: string;
  readonly password: string;
  readonly permissions: NatsPermissions | null;
}

const USER_PREFIX: Readonly<Record<NatsRole, string>> = {
  agent: "agent",
  "data-node": "node",
  "vip-manager": "vip",
  observer: "observer",
};

const NATS_ROLES: readonly NatsRole[] = ["agent", "data-node", "vip-manager", "observer"];

/** A user name is one NATS token (it becomes the inbox prefix's second token). */
const USER_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** The NATS user name of an identity: `agent-<myid>`, `node-<node_id>`, `vip-<id>`, `observer-<id>`. */
export function natsUser(identity: NatsIdentity): string {
  const checked = validateId(identity.role === "agent" ? "agent" : "node", identity.id);
  if (!checked.ok) throw checked.error;
  return `${USER_PREFIX[identity.role]}-${identity.id}`;
}

/**
 * The identity a user name given by natsUser stands for, or null for any other name (an operator's
 * own user, a shared user of a deployment without per-process users). An agent checks its own
 * user against its myid with it at start (services/sentinel-agent myid-authority.ts).
 */
export function natsUserIdentity(user: string): NatsIdentity | null {
  for (const role of NATS_ROLES) {
    const prefix = USER_PREFIX[role];
    if (!user.startsWith(`${prefix}-`)) continue;
    const id = user.slice(prefix.length + 1);
    return validateId(role === "agent" ? "agent" : "node", id).ok ? { role, id } : null;
  }
  return null;
}

/**
 * The reply-inbox prefix of a connection authenticated as `user`, or null for a user name that
 * is not one NATS token (such a connection keeps the client's default `_INBOX`).
 */
export function natsInboxPrefix(user: string): string | null {
  return USER_PATTERN.test(user) ? `_INBOX.${user}` : null;
}

/** The JetStream stream behind a KV bucket. */
function kvStream(cluster: string): string {
  return `KV_${topologyBucket(cluster)}`;
}

/**
 * JetStream API subjects for reading the topology bucket: bind to it (account and stream info),
 * get a key (direct or stream get) and watch keys (an ordered consumer: create/delete/info).
 * Found by running the nats.js v3 KV client against nats-server 2.9.10 with everything else denied.
 */
function kvRead(cluster: string): string[] {
  const stream = kvStream(cluster);
  return [
    "$JS.API.INFO",
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
  ];
}

/** Reading plus creating the bucket and writing keys (`$KV.<bucket>.<key>`). */
function kvWrite(cluster: string): string[] {
  const stream = kvStream(cluster);
  return [
    ...kvRead(cluster),
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.UPDATE.${stream}`,
    `$KV.${topologyBucket(cluster)}.>`,
  ];
}

/**
 * Creating, checking and reading the journals (history, audit) and appending to them as `id`:
 * only agents hold this, so a data-node's or anyone else's forged failover record or audit entry
 * is refused by the server. Appends are JetStream publishes (a request with an `_INBOX` reply).
 */
function journals(cluster: string, id: string): string[] {
  return (["history", "audit"] as const).flatMap((kind) => {
    const stream = journalStream(cluster, kind);
    return [
      journalSubject(cluster, kind, id),
      `$JS.API.STREAM.CREATE.${stream}`,
      `$JS.API.STREAM.UPDATE.${stream}`,
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.STREAM.MSG.GET.${stream}`,
    ];
  });
}

function base(cluster: string): string {
  const checked = validateId("cluster", cluster);
  if (!checked.ok) throw checked.error;
  return `${SUBJECT_PREFIX}.${cluster}`;
}

function inbox(identity: NatsIdentity): string {
  return `${natsInboxPrefix(natsUser(identity)) ?? "_INBOX"}.>`;
}

export function natsPermissions(cluster: string, identity: NatsIdentity): NatsPermissions {
  const { id } = identity;
  switch (identity.role) {
    case "agent":
      return {
        // The subject helpers refuse wildcards as ids; these patterns are spelled out, in the
        // same shapes (subjects.test.ts checks them against the helpers' subjects).
        publish: [
          agentsBroadcastSubject(cluster, id),
          `${base(cluster)}.agent.*.msg.${id}`,
          `${base(cluster)}.node.*.cmd`,
          `${base(cluster)}.node.*.lease.grant.${id}`,
          `${base(cluster)}.events.*`,
          ...kvWrite(cluster),
          ...journals(cluster, id),
        ],
        subscribe: [
          allAgentsBroadcastSubject(cluster),
          agentInboxSubject(cluster, id),
          allNodeStatusSubject(cluster),
          allNodeLeaseSubject(cluster),
          allNodeSwitchoverSubject(cluster),
          allEventsSubject(cluster),
          inbox(identity),
        ],
        allow_responses: true,
      };
    case "data-node":
      return {
        publish: [
          nodeStatusSubject(cluster, id),
          nodeLeaseSubject(cluster, id),
          nodeSwitchoverSubject(cluster, id),
          ...kvRead(cluster),
        ],
        subscribe: [nodeCommandSubject(cluster, id), nodeLeaseGrantSubject(cluster, id), inbox(identity)],
        allow_responses: true,
      };
    case "vip-manager":
      return { publish: kvRead(cluster), subscribe: [inbox(identity)], allow_responses: true };
    case "observer":
      return {
        publish: kvRead(cluster),
        subscribe: [allEventsSubject(cluster), inbox(identity)],
        allow_responses: true,
      };
  }
}

/** A string in nats-server's config syntax (JSON string escapes are accepted there). */
function quoted(text: string): string {
  return JSON.stringify(text);
}

function list(items: readonly string[]): string {
  return `[${items.map(quoted).join(", ")}]`;
}

const VARIABLE = /^\$[A-Z_][A-Z0-9_]*$/;

function userLine(entry: NatsUserEntry): string {
  const password = VARIABLE.test(entry.password) ? entry.password : quoted(entry.password);
  const head = `{ user: ${quoted(entry.user)}, password: ${password}`;
  const p = entry.permissions;
  if (p === null) return `    ${head} }`;
  return [
    `    ${head}, permissions: {`,
    `        publish: { allow: ${list(p.publish)} }`,
    `        subscribe: { allow: ${list(p.subscribe)} }`,
    `        allow_responses: ${p.allow_responses ? "true" : "false"}`,
    `    } }`,
  ].join("\n");
}

/** The `authorization { ... }` block of a nats-server config for these users. */
export function renderNatsAuthorization(users: readonly NatsUserEntry[]): string {
  return ["authorization {", "  users = [", ...users.map(userLine), "  ]", "}", ""].join("\n");
}
