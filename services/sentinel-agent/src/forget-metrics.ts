// Replicas and agents this agent forgot (libs/core forget.ts: unseen for forget-after), per
// master: `sp_forgotten_total{master,kind="replica"|"agent"}`, fed by `-slave` and
// `-sentinel`. A rising count of replicas is a fleet losing nodes no one replaced.
import { Counter } from "prom-client";
import type { Registry } from "prom-client";

export function registerForgetMetrics(
  registry: Registry,
): (event: { readonly name: string; readonly master_name: string | null }) => void {
  const forgotten = new Counter<"master" | "kind">({
    name: "sp_forgotten_total",
    help: "Replicas (-slave) and agents (-sentinel) forgotten after forget-after without a sign of life.",
    labelNames: ["master", "kind"],
    registers: [registry],
  });
  return (event) => {
    if (event.master_name === null) return;
    if (event.name === "-slave") forgotten.inc({ master: event.master_name, kind: "replica" });
    if (event.name === "-sentinel") forgotten.inc({ master: event.master_name, kind: "agent" });
  };
}
