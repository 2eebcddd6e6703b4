// Failsafe, the data-node's direct channel (libs/core data-node lease-channel.ts decides when it is
// used): the bus's lease request POSTed to every configured agent's REST port
// (`POST /v1/internal/lease`, its own token of the lease role, bound to its node id on the agents:
// a request for another node is refused there), each answer decoded by the protocol and
// handed to the same grant path as the bus's grants (write-lease.ts grantReceived). Bounds: one
// request in flight per agent (a slow agent is skipped, not queued), each within timeout_ms.
// An agent's URL is bound to the agent id of its first grant: a URL that later answers for another
// id is refused (it would count twice).
import { decodeLeaseGrant } from "@sentinel-plane/protocol";
import type { LeaseGrant, LeaseRequest } from "@sentinel-plane/protocol";
import { errorMessage } from "@sentinel-plane/runtime";
import type { Counters, Logger } from "@sentinel-plane/runtime";

export const LEASE_ROUTE = "/v1/internal/lease";

export interface DirectLeaseOptions {
  /** Agents' REST base URLs (`http://host:port`). */
  readonly agents: readonly string[];
  /** A REST token of the lease role. */
  readonly token: string;
  readonly timeout_ms: number;
  readonly on_grant: (grant: LeaseGrant) => void;
  readonly logger: Logger;
  readonly counters: Counters;
}

export class DirectLease {
  readonly #options: DirectLeaseOptions;
  readonly #in_flight = new Set<string>();
  /** The agent id each URL answered for first. */
  readonly #ids = new Map<string, string>();
  /** The last failure logged per URL: a failure is logged when it changes, not on every request. */
  readonly #failing = new Map<string, string>();

  constructor(options: DirectLeaseOptions) {
    this.#options = options;
  }

  /** Sends the request to every agent not already answering an earlier one. */
  request(request: LeaseRequest): void {
    for (const url of this.#options.agents) {
      if (this.#in_flight.has(url)) continue;
      this.#in_flight.add(url);
      void this.#ask(url, request).finally(() => this.#in_flight.delete(url));
    }
  }

  async #ask(url: string, request: LeaseRequest): Promise<void> {
    const counters = this.#options.counters;
    counters.inc("direct_lease_requests_total");
    let text: string;
    try {
      const response = await fetch(`${url}${LEASE_ROUTE}`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.#options.token}`, "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(this.#options.timeout_ms),
      });
      text = await response.text();
      if (!response.ok) {
        this.#failed(url, `HTTP ${response.status}: ${text.slice(0, 200)}`);
        return;
      }
    } catch (error) {
      this.#failed(url, errorMessage(error));
      return;
    }
    const decoded = decodeLeaseGrant(text);
    if (!decoded.ok) {
      this.#failed(url, `${decoded.error.code}: ${decoded.error.message}`);
      return;
    }
    const grant = decoded.value;
    const bound = this.#ids.get(url);
    if (bound !== undefined && bound !== grant.from) {
      this.#failed(url, `answered for agent ${grant.from}, earlier for ${bound}: refused`);
      return;
    }
    this.#ids.set(url, grant.from);
    if (this.#failing.delete(url)) {
      this.#options.logger.info(
        { event: "direct_lease_answered", agent: url },
        `agent ${url} answers lease requests again`,
      );
    }
    counters.inc("direct_lease_grants_total", { granted: String(grant.granted) });
    this.#options.on_grant(grant);
  }

  #failed(url: string, reason: string): void {
    this.#options.counters.inc("direct_lease_failures_total");
    if (this.#failing.get(url) === reason) return;
    this.#failing.set(url, reason);
    this.#options.logger.warn(
      { event: "direct_lease_failed", agent: url, reason },
      `direct lease request to ${url} failed: ${reason}`,
    );
  }
}
