// Write-lease requests of primaries' data-nodes -> the core's `lease_request` inputs, and the
// core's `lease_grant` effects -> the requesting data-node's grant subject (docs/adr/0001).
// The rule itself is the core's (libs/core lease.ts); this file only decodes and publishes.
// Failsafe: a data-node that cannot reach the bus sends the same request to our REST port
// (rest/routes/lease.ts); `direct` feeds it to the core as the same input and hands the core's
// grant back to that HTTP request instead of publishing it.
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
import type { LeaseGrants } from "@sentinel-plane/agent-shell";

// The wire request must be usable as the core's, and the core's grant must fill the wire's:
// these fail to compile if the schema and the core's types drift apart.
const asCoreRequest = (request: WireLeaseRequest): LeaseRequest => request;
const asWireGrant = (grant: LeaseGrant): WireLeaseGrant => ({ v: PROTOCOL_VERSION, ...grant });

export interface LeaseDeskOptions {
  readonly cluster_id: string;
  /** Direct requests waiting for the core's answer at once; more are refused (a bound). */
  readonly direct_waiting_max: number;
  readonly deliver: (request: LeaseRequest) => void;
  readonly on_malformed: (subject: string, code: string, reason: string) => void;
}

export class LeaseDesk implements LeaseGrants {
  readonly #options: LeaseDeskOptions;
  #nc: NatsConnection | null = null;
  /** Direct requests waiting for the core's grant, by `node_id/seq`. */
  readonly #waiting = new Map<string, (grant: LeaseGrant) => void>();

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

  /**
   * A direct request (failsafe): the core's grant for it, or null when none came within
   * `timeout_ms` (the loop is stuck) or too many already wait (the data-node asks again).
   */
  direct(request: LeaseRequest, timeout_ms: number): Promise<LeaseGrant | null> {
    const key = `${request.node_id}/${request.seq}`;
    if (this.#waiting.size >= this.#options.direct_waiting_max || this.#waiting.has(key)) {
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        resolve(null);
      }, timeout_ms);
      this.#waiting.set(key, (grant) => {
        clearTimeout(timer);
        resolve(grant);
      });
      this.#options.deliver(request);
    });
  }

  /** Answers a direct request, or publishes the core's answer; a closed connection loses it. */
  grant(grant: LeaseGrant): void {
    const key = `${grant.node_id}/${grant.seq}`;
    const waiter = this.#waiting.get(key);
    if (waiter !== undefined) {
      this.#waiting.delete(key);
      waiter(grant);
      return;
    }
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
