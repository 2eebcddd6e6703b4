// When this data-node last saw the control plane, for the lease rule (self-fence.ts): the moment a
// NATS round trip (flush = PING/PONG) completed, renewed every renew_interval_ms.
//
// Why round trips and not only the connection's status events: the status iterator reports a
// disconnect at once when the socket closes (nats-server stopped), but a cut link closes nothing;
// the client notices only after ping_interval_ms x ping_max_out (seconds), far beyond a lease
// shorter than down-after. A round trip that does not come back within lease_ms is noticed in
// time whatever the cause. The status iterator is still used: a disconnect is logged with the time
// since the last contact, and a reconnect renews at once.
//
// Why NATS and not agent traffic: the agents need NATS to fail over and to commit a topology, so a
// node that reaches NATS also learns of a newer epoch (committed_epoch rule); and "no agent spoke
// lately" would also fence every primary when the agents are merely restarting, with nobody to
// unfence them. Known gap: with a NATS cluster split in two, a node connected to the minority
// side keeps its lease while the majority fails over; the committed_epoch rule does not reach it.
//
// The time is the moment the PONG was processed, not when the PING was sent: a data-node starved
// of CPU (GC, a loaded host) would otherwise see its own stall as an expired lease. The error is
// at most one round trip, far below the margin between lease_ms and down-after.
import { performance } from "node:perf_hooks";
import { errorMessage } from "@sentinel-plane/runtime";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";

export class ControlPlaneContact {
  private readonly logger: Logger;
  private readonly on_change: () => void;
  private nc: NatsConnection | null = null;
  private seen_ms: number;
  /** One round trip at a time: a pending one is bounded by the client's stale-connection check. */
  private flushing = false;
  private connected = false;

  /** `on_change` runs after a disconnect or a renewal that follows one. */
  constructor(logger: Logger, on_change: () => void) {
    this.logger = logger;
    this.on_change = on_change;
    // The lease runs from the start: a node that never reaches NATS fences like an isolated one.
    this.seen_ms = performance.now();
  }

  /** performance.now() of the last completed round trip (the start before the first one). */
  seenMs(): number {
    return this.seen_ms;
  }

  attach(nc: NatsConnection): void {
    if (this.nc !== null) throw new Error("control plane contact already attached");
    this.nc = nc;
    this.connected = true;
    void this.followStatus(nc);
    this.renew();
  }

  /** Starts a round trip unless one is pending or there is no connection. */
  renew(): void {
    const nc = this.nc;
    if (nc === null || this.flushing || nc.isClosed()) return;
    this.flushing = true;
    nc.flush().then(
      () => {
        this.flushing = false;
        const was_connected = this.connected;
        this.connected = true;
        this.seen_ms = performance.now();
        if (!was_connected) this.on_change();
      },
      () => {
        // Rejected when the client drops the connection to reconnect: nothing seen.
        this.flushing = false;
      },
    );
  }

  private async followStatus(nc: NatsConnection): Promise<void> {
    try {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") {
          this.connected = false;
          this.logger.warn(
            {
              event: "control_plane_disconnected",
              since_contact_ms: Math.round(performance.now() - this.seen_ms),
            },
            "control plane not reachable",
          );
          this.on_change();
        } else if (status.type === "reconnect") {
          this.renew();
        }
      }
    } catch (error) {
      this.logger.error(
        { event: "nats_status_failed", error: errorMessage(error) },
        "NATS status stream failed",
      );
    }
  }
}
