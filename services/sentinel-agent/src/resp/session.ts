// What command handlers see of a connection (ClientSession) and of the server (ServerContext).
// Kept as interfaces so handlers do not depend on sockets.
import type { AuditSink } from "../audit-log.js";
import type { AclUsers } from "./acl/index.js";
import type { ServerFacts } from "./info-text.js";
import type { DebugParams } from "./debug-params.js";
import type { PubSubHub, Subscriber } from "./pubsub.js";
import type { Protocol } from "./reply.js";
import type { SentinelView } from "./view.js";

export interface ClientSession {
  readonly id: number;
  name: string | null;
  protocol: Protocol;
  /** Logged in: by AUTH / HELLO AUTH, or at connect time while the default user needs no password. */
  authenticated: boolean;
  /** The ACL user this connection runs as (`default` until AUTH names another). */
  user: string;
  /** Insertion order, which UNSUBSCRIBE without arguments follows. */
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  lib_name: string;
  lib_ver: string;
  /** `ip:port` of the peer and of our end. */
  readonly remote_address: string;
  readonly local_address: string;
  readonly created_ms: number;
  last_command_ms: number;
  last_command: string;
  /** Set by QUIT and CLIENT KILL of oneself: close once this reply is written. */
  close_after_reply: boolean;
  readonly subscriber: Subscriber;
  /** Bytes queued for this client and not yet written to the kernel. */
  outputBytes(): number;
  /** Closes the connection at once (CLIENT KILL from another client). */
  kill(): void;
}

export interface ServerContext {
  readonly view: SentinelView;
  readonly hub: PubSubHub;
  /** The port's ACL users (`requirepass` is the default user's password). */
  readonly users: AclUsers;
  /** Called after ACL SETUSER / DELUSER changed the users (rewrites sentinel.conf); absent: kept in memory. */
  readonly aclChanged?: () => Promise<void>;
  readonly redis_version: string;
  /** SENTINEL DEBUG's parameters, kept per server as Sentinel keeps them per process. */
  readonly debug: DebugParams;
  /** Where state-changing commands are recorded (resp/audit.ts); absent: not audited. */
  readonly audit?: AuditSink;
  sessions(): Iterable<ClientSession>;
  facts(): ServerFacts;
  now_ms(): number;
}
