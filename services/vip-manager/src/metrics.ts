// The vip-manager's own figures on its /metrics (SP_METRICS_PORT), as Prometheus text: whether
// each VIP is held here, command failures, the age of the lease (time since the committed topology
// was last read), the fence (lease lost: every VIP released) and hook failures. The ops server
// appends these lines to prom-client's process metrics.
import type { VipManagerSnapshot } from "@sentinel-plane/vip-shell";

/** A label value in Prometheus text: backslash, double quote and newline escaped. */
function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function family(name: string, type: "gauge" | "counter", help: string, samples: readonly string[]): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples];
}

export function vipManagerMetricLines(snapshot: VipManagerSnapshot, nats_connected: boolean): string[] {
  const vip = (v: VipManagerSnapshot["vips"][number]): string =>
    `{master="${label(v.master_name)}",vip="${label(v.vip)}",interface="${label(v.interface)}"}`;
  return [
    ...family("sp_vip_manager_nats_connected", "gauge", "1 while the NATS connection is up.", [
      `sp_vip_manager_nats_connected ${nats_connected ? 1 : 0}`,
    ]),
    ...family(
      "sp_vip_held",
      "gauge",
      "1 while this host holds the VIP (the last successful command sequence bound it).",
      snapshot.vips.map((v) => `sp_vip_held${vip(v)} ${v.held ? 1 : 0}`),
    ),
    ...family(
      "sp_vip_command_failures_total",
      "counter",
      "ip addr / arping sequences that failed.",
      snapshot.vips.map((v) => `sp_vip_command_failures_total${vip(v)} ${v.command_failures}`),
    ),
    ...family(
      "sp_vip_address_conflicts_total",
      "counter",
      "Waits to bind the VIP that outlasted the old holder's address lifetime with another host still answering.",
      snapshot.vips.map((v) => `sp_vip_address_conflicts_total${vip(v)} ${v.address_conflicts}`),
    ),
    ...family(
      "sp_vip_manager_lease_age_seconds",
      "gauge",
      "Time since the last successful read of the committed topology was sent (-1 before the first).",
      [`sp_vip_manager_lease_age_seconds ${snapshot.lease_age_s ?? -1}`],
    ),
    ...family(
      "sp_vip_manager_lease_seconds",
      "gauge",
      "The lease: silence longer than this releases every VIP.",
      [`sp_vip_manager_lease_seconds ${snapshot.lease_s}`],
    ),
    ...family(
      "sp_vip_manager_lease_lost",
      "gauge",
      "1 while fenced: no contact within the lease, every VIP released until contact again.",
      [`sp_vip_manager_lease_lost ${snapshot.lease_lost ? 1 : 0}`],
    ),
    ...family(
      "sp_vip_manager_hook_failures_total",
      "counter",
      "Hook runs that ended in error or were dropped, by hook.",
      Object.entries(snapshot.hook_failures).map(
        ([hook, n]) => `sp_vip_manager_hook_failures_total{hook="${hook}"} ${n}`,
      ),
    ),
  ];
}
