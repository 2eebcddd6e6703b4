// Write-lease requests of primaries' data-nodes -> the core's `lease_request` inputs, and the
// core's `lease_grant` effects -> the requesting data-node's grant subject (docs/adr/0001).
// The rule itself is the core's (libs/core lease.ts); this file only decodes and publishes.
import type { LeaseGrant, LeaseRequest } from "@sentinel-plane/core";
import {
  allNodeLeaseSubject,
  decodeLeaseRequest,
  encodeMessage,
  nodeLeaseGrantFromSubject,
  PROTOCOL_VERSION,
} from "@sentinel-plane/protocol";
import type {
  LeaseGrant as WireLeaseGrant,
  LeaseRequest as WireLeaseRequest,
} from "@sentinel-plane/protocol";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { LeaseGrants } from "./ports.js";

// The wire request must be usable as the core's, and the core's grant must fill the wire's:
// these fail to compile if the schema and the core's types drift apart.
const asCoreRequest = (request: WireLeaseRequest): LeaseRequest => request;
const asWireGrant = (grant: LeaseGrant): WireLeaseGrant => ({ v: PROTOCOL_VERSION, ...grant });

export interface LeaseDeskOptions {
  readonly cluster_id: string;
  readonly deliver: (request: LeaseRequest) => void;
  readonly on_malformed: (subject: string, code: string, reason: string) => void;
}

export class LeaseDesk implements LeaseGrants {
  readonly #options: LeaseDeskOptions;
  #nc: NatsConnection | null = null;

  constructor(options: LeaseDeskOptions) {
    this.#options = options;
  }

  start(nc: NatsConnection): void {
    this.#nc = nc;
    nc.subscribe(allNodeLeaseSubject(this.#options.cluster_id), {
      callback: (error, msg) => {
        if (error !== null) return; // subscription closed; the connection logs its status
        this.receive(msg.subject, msg.data);
      },
    });
  }

  /** Handles one raw request (public for tests). */
  receive(subject: string, data: Uint8Array | string): void {
    const decoded = decodeLeaseRequest(data);
    if (!decoded.ok) {
      this.#options.on_malformed(subject, decoded.error.code, decoded.error.message);
      return;
    }
    this.#options.deliver(asCoreRequest(decoded.value));
  }

  /** Publishes the core's answer; a closed connection loses it (the data-node asks again). */
  grant(grant: LeaseGrant): void {
    const nc = this.#nc;
    if (nc === null) return;
    try {
      nc.publish(
        nodeLeaseGrantFromSubject(this.#options.cluster_id, grant.node_id, grant.from),
        encodeMessage(asWireGrant(grant)),
      );
    } catch {
      // Closed or draining connection: the grant is lost, which the lease tolerates.
    }
  }
}
