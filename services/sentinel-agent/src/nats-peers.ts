// Agent-to-agent messages over NATS: direct messages on `sp.<cluster>.agent.<to>.msg.<from>`,
// broadcasts on `sp.<cluster>.agents.<from>.msg`. The subject names the sender so that a NATS
// permission binds it (libs/protocol nats-auth.ts); a message whose `from` is not the subject's
// sender is refused (counted and logged with the claimed sender), whatever the server allows. What one step sends to a subject leaves as one payload (a JSON
// array when several). Incoming messages are decoded (validated) and handed to `deliver`; a
// malformed one is counted and logged, never thrown, and the rest of its batch is kept.
import type { AgentId, PeerMessage } from "@sentinel-plane/core";
import {
  agentInboxSubject,
  agentMessageSubject,
  agentsBroadcastSubject,
  agentSubjectSender,
  allAgentsBroadcastSubject,
  decodePeerBatch,
  PEER_BATCH_MAX,
  PROTOCOL_VERSION,
} from "@sentinel-plane/protocol";
import type { WirePeerMessage } from "@sentinel-plane/protocol";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { PeerTransport } from "@sentinel-plane/agent-shell";

// A decoded wire message must be usable as the core's message: this fails to compile if the
// schema and the core's type drift apart.
const asCoreMessage = (message: WirePeerMessage): PeerMessage => message;

export interface NatsPeersOptions {
  readonly cluster_id: string;
  readonly myid: AgentId;
  readonly deliver: (message: PeerMessage) => void;
  readonly on_malformed: (subject: string, code: string, reason: string) => void;
  /** A message whose `from` differs from the sender its subject names (`sender`, null: none). */
  readonly on_forged: (subject: string, claimed_from: string, sender: string | null, type: string) => void;
}

export class NatsPeers implements PeerTransport {
  readonly #nc: NatsConnection;
  readonly #options: NatsPeersOptions;
  readonly #encoder = new TextEncoder();
  /** Messages of the current step per subject, bounded by what one step emits. */
  readonly #pending = new Map<string, PeerMessage[]>();
  #flush_scheduled = false;

  constructor(nc: NatsConnection, options: NatsPeersOptions) {
    this.#nc = nc;
    this.#options = options;
  }

  /** Subscribes to this agent's direct messages and to every agent's broadcasts. */
  start(): void {
    const { cluster_id, myid } = this.#options;
    for (const subject of [agentInboxSubject(cluster_id, myid), allAgentsBroadcastSubject(cluster_id)]) {
      this.#nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error !== null) return; // subscription closed; the connection logs its status
          this.#receive(msg.subject, msg.data);
        },
      });
    }
  }

  /**
   * Queues the message; what one step sends to the same subject leaves as one NATS payload (a
   * JSON array when there are several), flushed in a microtask, so a hello per master per second
   * costs one publish, not one per master.
   */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- "all" is the broadcast address
  send(to: AgentId | "all", message: PeerMessage): void {
    const { cluster_id, myid } = this.#options;
    const subject =
      to === "all" ? agentsBroadcastSubject(cluster_id, myid) : agentMessageSubject(cluster_id, to, myid);
    const queued = this.#pending.get(subject);
    if (queued === undefined) this.#pending.set(subject, [message]);
    else queued.push(message);
    if (this.#flush_scheduled) return;
    this.#flush_scheduled = true;
    queueMicrotask(() => {
      this.#flush();
    });
  }

  #flush(): void {
    this.#flush_scheduled = false;
    for (const [subject, messages] of this.#pending) {
      for (let at = 0; at < messages.length; at += PEER_BATCH_MAX) {
        const chunk = messages.slice(at, at + PEER_BATCH_MAX).map((m) => ({ v: PROTOCOL_VERSION, ...m }));
        const body = chunk.length === 1 ? chunk[0] : chunk;
        try {
          this.#nc.publish(subject, this.#encoder.encode(JSON.stringify(body)));
        } catch {
          // Closed or draining connection: the messages are lost, which the core tolerates.
        }
      }
    }
    this.#pending.clear();
  }

  #receive(subject: string, data: Uint8Array): void {
    const batch = decodePeerBatch(data);
    for (const error of batch.errors) this.#options.on_malformed(subject, error.code, error.message);
    const sender = agentSubjectSender(subject);
    for (const decoded of batch.messages) {
      const message = asCoreMessage(decoded);
      if (message.from !== sender) {
        this.#options.on_forged(subject, message.from, sender, message.type);
        continue;
      }
      if (message.from === this.#options.myid) continue; // our own broadcast
      this.#options.deliver(message);
    }
  }
}
