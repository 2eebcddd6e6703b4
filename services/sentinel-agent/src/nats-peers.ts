// Agent-to-agent messages over NATS: direct messages on `sp.<cluster>.agent.<id>.msg`, broadcasts
// on `sp.<cluster>.agents.msg`. Incoming messages are decoded (validated) and handed to `deliver`;
// a malformed one is counted and logged, never thrown.
import type { AgentId, PeerMessage } from "@sentinel-plane/core";
import {
  agentMessageSubject,
  agentsBroadcastSubject,
  decodePeerMessage,
  PROTOCOL_VERSION,
} from "@sentinel-plane/protocol";
import type { WirePeerMessage } from "@sentinel-plane/protocol";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { PeerTransport } from "./ports.js";

// A decoded wire message must be usable as the core's message: this fails to compile if the
// schema and the core's type drift apart.
const asCoreMessage = (message: WirePeerMessage): PeerMessage => message;

export interface NatsPeersOptions {
  readonly cluster_id: string;
  readonly myid: AgentId;
  readonly deliver: (message: PeerMessage) => void;
  readonly on_malformed: (subject: string, code: string, reason: string) => void;
}

export class NatsPeers implements PeerTransport {
  readonly #nc: NatsConnection;
  readonly #options: NatsPeersOptions;
  readonly #encoder = new TextEncoder();

  constructor(nc: NatsConnection, options: NatsPeersOptions) {
    this.#nc = nc;
    this.#options = options;
  }

  /** Subscribes to this agent's subject and the broadcast subject. */
  start(): void {
    const { cluster_id, myid } = this.#options;
    for (const subject of [agentMessageSubject(cluster_id, myid), agentsBroadcastSubject(cluster_id)]) {
      this.#nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error !== null) return; // subscription closed; the connection logs its status
          this.#receive(subject, msg.data);
        },
      });
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- "all" is the broadcast address
  send(to: AgentId | "all", message: PeerMessage): void {
    const subject =
      to === "all"
        ? agentsBroadcastSubject(this.#options.cluster_id)
        : agentMessageSubject(this.#options.cluster_id, to);
    const payload = this.#encoder.encode(JSON.stringify({ v: PROTOCOL_VERSION, ...message }));
    try {
      this.#nc.publish(subject, payload);
    } catch {
      // Closed or draining connection: the message is lost, which the core tolerates.
    }
  }

  #receive(subject: string, data: Uint8Array): void {
    const decoded = decodePeerMessage(data);
    if (!decoded.ok) {
      this.#options.on_malformed(subject, decoded.error.code, decoded.error.message);
      return;
    }
    const message = asCoreMessage(decoded.value);
    if (message.from === this.#options.myid) return; // our own broadcast
    this.#options.deliver(message);
  }
}
