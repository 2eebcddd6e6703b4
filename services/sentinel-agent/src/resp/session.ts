// What command handlers see of a connection (ClientSession) and of the server (ServerContext).
// Kept as interfaces so handlers do not depend on sockets.
import type { AuditSink } from "../audit-log.js";
import type { AclLog, AclUsers } from "./acl/index.js";
import type { ServerFacts } from "./info-text.js";
import type { DebugParams } from "./debug-params.js";
import type { PubSubHub, Subscriber } from "./pubsub.js";
import type { Protocol } from "./reply.js";
import type { SentinelView } from "./view.js";
import type { ClientPause } from "./client-pause.js";
import type { TrackingState } from "./client-tracking.js";
import type { Reply } from "./reply.js";

/** SHUTDOWN's modifiers (NOSAVE/SAVE change nothing for a Sentinel; FORCE ignores a failed flush). */
export interface ShutdownFlags {
  readonly force: boolean;
  readonly now: boolean;
}

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
  /** CLIENT TRACKING's state (kept and reported; a Sentinel has no keys to invalidate). */
  readonly tracking: TrackingState;
  /** CLIENT NO-EVICT (flag `e` in CLIENT LIST). */
  no_evict: boolean;
  /** CLIENT REPLY OFF; SKIP sets `reply_skip_next`, which hides the next command's reply
   * (`reply_skip` while that command runs; CLIENT REPLY ON clears all three, as Redis). */
  reply_off: boolean;
  reply_skip: boolean;
  reply_skip_next: boolean;
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
  /** ACL LOG's entries: refused commands and failed logins on this port. */
  readonly aclLog: AclLog;
  /** Called after ACL SETUSER / DELUSER changed the users (rewrites sentinel.conf); absent: kept in memory. */
  readonly aclChanged?: () => Promise<void>;
  readonly redis_version: string;
  /** SENTINEL DEBUG's parameters, kept per server as Sentinel keeps them per process. */
  readonly debug: DebugParams;
  /** Where state-changing commands are recorded (resp/audit.ts); absent: not audited. */
  readonly audit?: AuditSink;
  /** CLIENT PAUSE's state for the whole port. */
  readonly pause: ClientPause;
  /** SHUTDOWN: flushes the configuration and stops the agent; resolves with an error reply when
   * it cannot (then the agent keeps running), null when the stop is under way. Absent: refused. */
  readonly shutdown?: (flags: ShutdownFlags) => Promise<Reply | null>;
  sessions(): Iterable<ClientSession>;
  facts(): ServerFacts;
  now_ms(): number;
}
