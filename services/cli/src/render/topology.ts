// The topology as text: one block per master (primary, epoch, flags), a table of replicas with
// their lag, and a table of agents with each one's own view of the primary.
import type { AgentOpinion, MasterView, Topology } from "../client/topology.js";
import { PLAIN } from "./colour.js";
import type { Palette } from "./colour.js";
import { table } from "./table.js";

const dash = "-";

function shown(value: number | string | null | undefined): string {
  return value === null || value === undefined ? dash : String(value);
}

function lag(bytes: number | null, seconds: number | null): string {
  if (bytes === null && seconds === null) return dash;
  const parts: string[] = [];
  if (bytes !== null) parts.push(`${bytes} B`);
  if (seconds !== null) parts.push(`${seconds} s`);
  return parts.join(" / ");
}

function link(word: string | null, c: Palette): string {
  if (word === "up") return c.ok(word);
  if (word === "down") return c.bad(word);
  return shown(word);
}

export function renderMaster(
  master: MasterView,
  opinions: readonly AgentOpinion[] | null,
  c: Palette = PLAIN,
): string {
  const out: string[] = [];
  const flags = master.flags.filter((f) => f !== "master");
  out.push(
    `${c.strong(master.name)}  primary ${c.ok(master.address)}  epoch ${shown(master.config_epoch)}  quorum ${shown(master.quorum)}` +
      (flags.length > 0 ? `  flags ${c.bad(flags.join(","))}` : "") +
      (master.failover_state === null ? "" : `  failover ${c.warn(master.failover_state)}`),
  );
  if (master.operator !== undefined) out.push(c.warn(master.operator));
  out.push(
    table(
      ["replica", "link", "offset", "lag", "priority", "flags"],
      master.replicas.map((r) => [
        r.address,
        link(r.link_status, c),
        shown(r.offset),
        lag(r.lag_bytes, r.lag_s),
        shown(r.priority),
        r.flags.join(",") || dash,
      ]),
    ),
  );
  if (opinions !== null) {
    out.push(
      table(
        ["agent", "sees primary", "epoch", "note"],
        opinions.map((o) => [
          o.agent,
          shown(o.primary),
          shown(o.config_epoch),
          o.error === null
            ? o.primary !== null && o.primary !== master.address
              ? c.bad("DIFFERS")
              : ""
            : c.bad(o.error),
        ]),
      ),
    );
  } else if (master.agents.length > 0) {
    out.push(
      table(
        ["agent", "id", "last seen", "leader epoch", "sees down"],
        master.agents.map((a) => [
          a.self ? `${a.address} (answering)` : a.address,
          a.id.slice(0, 8),
          a.last_seen_ms_ago === null ? dash : `${a.last_seen_ms_ago} ms ago`,
          shown(a.leader_epoch),
          a.sees_master_down === null ? dash : String(a.sees_master_down),
        ]),
      ),
    );
  }
  return out.join("\n");
}

export function renderTopology(
  topology: Topology,
  opinions: ReadonlyMap<string, readonly AgentOpinion[]> | null,
  c: Palette = PLAIN,
): string {
  if (topology.masters.length === 0) return "no masters monitored";
  return topology.masters.map((m) => renderMaster(m, opinions?.get(m.name) ?? null, c)).join("\n\n");
}

/** Agents that know this master, the answering one included. */
export function agentCount(master: MasterView): number {
  return master.agents.some((a) => a.self) ? master.agents.length : master.agents.length + 1;
}

/** One line per master for the live summary of `up`. */
export function summaryLine(master: MasterView): string {
  const replicas = master.replicas
    .map((r) => `${r.address}(${shown(r.link_status)}${r.lag_bytes === null ? "" : `,lag ${r.lag_bytes}B`})`)
    .join(" ");
  const flags = master.flags.filter((f) => f !== "master");
  return (
    `${master.name}: primary ${master.address} epoch ${shown(master.config_epoch)}` +
    (flags.length > 0 ? ` [${flags.join(",")}]` : "") +
    (master.failover_state === null ? "" : ` failover:${master.failover_state}`) +
    (master.operator === undefined ? "" : ` [${master.operator}]`) +
    ` | replicas ${replicas || "none"} | agents ${agentCount(master)}`
  );
}
