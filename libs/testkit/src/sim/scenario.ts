// Scenario files (etcd-raft datadriven style): blocks of `command` / `----` / expected output,
// separated by blank lines. The output of a command is the event log it produced (simulated
// time in ms, who, Sentinel's log line). `SP_REWRITE=1` rewrites the expected outputs.
//
// Commands:
//   agents <n> quorum <q> [down-after <ms>] [failover-timeout <ms>] [election-timeout <ms>]
//          [parallel-syncs <n>] [seed <u32>]        (before anything runs)
//   nodes <host:port> <host:port> ...               (first = primary; before anything runs)
//   priority <node> <n>                             (before anything runs)
//   hide <event-name> ...                           (leave these events out of the output)
//   run <ms>ms                                      (advance simulated time)
//   kill <node|primary>  hang <node|primary>  resume <node>
//   partition <names...> | <names...>               (symmetric; names: a1.. r1.. kv)
//   heal                                            (every partition ends)
//   bus-down <all|names...>                         (the bus, NATS, is down for these agents and
//                                                   data-nodes: their bus edges are cut, their
//                                                   links to the hosts stay; `heal` ends it)
//   crash <agent>  restart <agent>  clock <agent> <+-ms>
//   failover <agent> [to <node|primary>]            (SENTINEL FAILOVER on that agent; `to`: a
//                                                   switchover to that node)
//   state                                           (each agent's view of the master)
//   writes                                          (the steady client writer: writes acknowledged,
//                                                   refused, and acknowledged ones the committed
//                                                   primary does not hold: lost)
import { masterView } from "@sentinel-plane/core";
import type { Address, MasterSettings } from "@sentinel-plane/core";
import { Violation } from "./checkers.js";
import { addrText, nodeAt } from "./redis-model.js";
import type { SimNode } from "./redis-model.js";
import { simTiming } from "./run.js";
import { World } from "./world.js";

interface Setup {
  agents: number;
  settings: MasterSettings;
  seed: number;
  nodes: Address[];
  priorities: Map<string, number>;
}

export interface Block {
  readonly command: string;
  readonly expected: string;
}

export function parseScenario(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (line.trim() === "" || line.startsWith("#")) {
      i += 1;
      continue;
    }
    const command = line.trim();
    i += 1;
    if ((lines[i] ?? "") !== "----")
      throw new Error(`scenario: expected ---- after "${command}" (line ${i + 1})`);
    i += 1;
    const expected: string[] = [];
    while (i < lines.length && (lines[i] ?? "") !== "") {
      expected.push(lines[i] ?? "");
      i += 1;
    }
    blocks.push({ command, expected: expected.join("\n") });
  }
  return blocks;
}

export function formatScenario(blocks: readonly { command: string; output: string }[]): string {
  return blocks.map((b) => `${b.command}\n----\n${b.output}\n`).join("\n");
}

class ScenarioRunner {
  readonly setup: Setup = {
    agents: 3,
    settings: {
      quorum: 2,
      down_after_ms: 1000,
      failover_timeout_ms: 5000,
      parallel_syncs: 1,
      master_reboot_down_after_period_ms: 0,
      election_timeout_ms: 400,
      failover_block_period_ms: 0,
    },
    seed: 1,
    nodes: [
      { host: "127.0.0.1", port: 6379 },
      { host: "127.0.0.1", port: 6380 },
      { host: "127.0.0.1", port: 6381 },
    ],
    priorities: new Map(),
  };
  readonly hidden = new Set<string>(["+role-change", "-role-change"]);
  world: World | null = null;

  ensureWorld(): World {
    if (this.world !== null) return this.world;
    const s = this.setup;
    const world = new World({
      seed: s.seed,
      agents: s.agents,
      node_addresses: s.nodes,
      master_name: "mymaster",
      settings: s.settings,
      timing: simTiming(),
      network: { loss: 0, duplicate: 0, reorder: 0, delay_min_ms: 1, delay_max_ms: 3 },
      priorities: s.nodes.map((_, i) => s.priorities.get(`r${i + 1}`) ?? 100),
      keep_log: true,
    });
    world.start();
    this.world = world;
    return world;
  }

  node(world: World, name: string): SimNode {
    if (name === "primary") {
      const primary = world.nodes.find((n) => n.role === "master" && n.process === "running");
      if (primary === undefined) throw new Error("no running primary");
      return primary;
    }
    const node = world.nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** Runs one command; returns its output lines. */
  async execute(command: string): Promise<string[]> {
    const [verb, ...args] = command.split(/\s+/);
    const configure = (): string[] => {
      if (this.world !== null) throw new Error(`${verb ?? ""} must come before anything runs`);
      return [];
    };
    switch (verb) {
      case "agents":
        configure();
        this.configureAgents(args);
        return [];
      case "nodes":
        configure();
        this.setup.nodes = args.map(parseAddress);
        return [];
      case "priority":
        configure();
        this.setup.priorities.set(args[0] ?? "", Number(args[1]));
        return [];
      case "hide":
        for (const name of args) this.hidden.add(name);
        return [];
      case "state":
        return this.state();
      case "writes":
        return this.writes();
      default:
        return await this.act(verb ?? "", args);
    }
  }

  configureAgents(args: string[]): void {
    const s = this.setup;
    s.agents = Number(args[0]);
    const options = new Map<string, number>();
    for (let i = 1; i + 1 < args.length; i += 2) options.set(args[i] ?? "", Number(args[i + 1]));
    s.settings = {
      ...s.settings,
      quorum: options.get("quorum") ?? s.settings.quorum,
      down_after_ms: options.get("down-after") ?? s.settings.down_after_ms,
      failover_timeout_ms: options.get("failover-timeout") ?? s.settings.failover_timeout_ms,
      election_timeout_ms: options.get("election-timeout") ?? s.settings.election_timeout_ms,
      parallel_syncs: options.get("parallel-syncs") ?? s.settings.parallel_syncs,
    };
    s.seed = options.get("seed") ?? s.seed;
  }

  async act(verb: string, args: string[]): Promise<string[]> {
    const world = this.ensureWorld();
    const from = world.log.length;
    const arg = args[0] ?? "";
    switch (verb) {
      case "run": {
        const match = /^(\d+)ms$/.exec(arg);
        if (match === null) throw new Error(`run needs <n>ms, got ${arg}`);
        await world.runUntil(world.now_ms + Number(match[1]));
        break;
      }
      case "kill":
        world.killNode(this.node(world, arg));
        break;
      case "hang":
        world.hangNode(this.node(world, arg));
        break;
      case "resume":
        world.resumeNode(this.node(world, arg));
        break;
      case "partition":
        this.partition(world, args);
        break;
      case "bus-down": {
        const ends =
          arg === "all" ? [...world.agents.map((a) => a.name), ...world.data_nodes.map((d) => d.name)] : args;
        for (const [a, b] of world.busEdges(ends)) world.block(a, b);
        world.trace("sim", `! bus down for ${ends.join(" ")}`);
        break;
      }
      case "heal":
        world.healNetwork();
        world.trace("sim", "! heal");
        break;
      case "crash":
        world.crashAgent(world.agentByName(arg));
        break;
      case "restart": {
        const agent = world.agentByName(arg);
        if (agent.state === null) world.startAgent(agent);
        break;
      }
      case "clock":
        world.agentByName(arg).clock_offset_ms += Number(args[1]);
        world.trace("sim", `! clock ${arg} ${args[1] ?? ""}`);
        break;
      case "failover": {
        const agent = world.agentByName(arg);
        if (args.length !== 1 && (args.length !== 3 || args[1] !== "to")) {
          throw new Error("failover <agent> [to <node>]");
        }
        const to = args[2] === undefined ? undefined : this.node(world, args[2]).address;
        world.admin(agent, { type: "failover", name: "mymaster", ...(to === undefined ? {} : { to }) });
        await world.runUntil(world.now_ms);
        break;
      }
      default:
        throw new Error(`unknown scenario command ${verb}`);
    }
    return world.log.slice(from).filter((line) => !this.isHidden(line));
  }

  isHidden(line: string): boolean {
    const match = / [#*-] ([+-][a-z-]+) /.exec(line);
    return match?.[1] !== undefined && this.hidden.has(match[1]);
  }

  partition(world: World, args: string[]): void {
    const bar = args.indexOf("|");
    if (bar < 0) throw new Error("partition needs <names> | <names>");
    const left = args.slice(0, bar);
    const right = args.slice(bar + 1);
    for (const a of left) {
      for (const b of right) {
        world.block(a, b);
        world.block(b, a);
      }
    }
    world.trace("sim", `! partition ${left.join(" ")} | ${right.join(" ")}`);
  }

  writes(): string[] {
    const world = this.ensureWorld();
    const primary = nodeAt(world.nodes, world.kv.record?.primary ?? world.primaryAddress);
    if (primary === null) throw new Error("the committed primary is not a node");
    const clients = world.clients;
    return [
      `writes acked ${clients.acked} refused ${clients.refused} lost ${world.checker.lostWrites(primary)} ` +
        `(primary ${primary.name} offset ${primary.offset})`,
    ];
  }

  state(): string[] {
    const world = this.ensureWorld();
    const lines: string[] = [];
    for (const agent of world.agents) {
      if (agent.state === null) {
        lines.push(`${agent.name} down`);
        continue;
      }
      const view = masterView(agent.state, "mymaster");
      if (view === null) continue;
      lines.push(
        `${agent.name} epoch ${agent.state.current_epoch} config-epoch ${view.config_epoch} ` +
          `primary ${addrText(view.address)} failover ${view.failover_state}${agent.state.tilt ? " tilt" : ""}`,
      );
    }
    for (const node of world.nodes) {
      const master = node.master === null ? "" : ` of ${addrText(node.master)}`;
      const known = nodeAt(world.nodes, node.address) === node ? "" : "?";
      const fenced = node.fenced ? " fenced" : "";
      lines.push(
        `${node.name} ${addrText(node.address)} ${node.process} ${node.role}${master} epoch ${node.epoch}${fenced}${known}`,
      );
    }
    return lines;
  }
}

function parseAddress(text: string): Address {
  const colon = text.lastIndexOf(":");
  const port = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) throw new Error(`bad address ${text}`);
  return { host: text.slice(0, colon), port };
}

export interface ScenarioOutcome {
  readonly blocks: readonly { command: string; expected: string; output: string }[];
  readonly rewritten: string;
}

/** Runs a scenario; a checker violation becomes part of the output (and so fails the comparison). */
export async function runScenario(text: string): Promise<ScenarioOutcome> {
  const runner = new ScenarioRunner();
  const blocks: { command: string; expected: string; output: string }[] = [];
  for (const block of parseScenario(text)) {
    let output: string[];
    try {
      output = await runner.execute(block.command);
    } catch (error) {
      if (!(error instanceof Violation)) throw error;
      output = [`VIOLATION ${error.detail}`];
    }
    blocks.push({ ...block, output: output.length === 0 ? "ok" : output.join("\n") });
  }
  return { blocks, rewritten: formatScenario(blocks) };
}
