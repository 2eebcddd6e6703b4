// Reads a sentinel.conf: every line is tokenised as Redis does, classified (sentinel directive,
// sentinel-plane setting, plain Redis directive), then applied in Redis 7's order (globals,
// monitors, per-master lines). Every refused line is reported with file, line and reason; the
// result also keeps the file's lines so render.ts can rewrite it as CONFIG REWRITE does.
import type { Directive, DirectiveContext, Phase } from "./directive.js";
import type { ConfigDraft } from "./draft.js";
import { finishDraft, newDraft } from "./draft.js";
import type { ConfigNote, Result } from "./errors.js";
import { ProblemList } from "./errors.js";
import type { SentinelConfig } from "./model.js";
import { PLANE_GLOBAL, PLANE_PER_MASTER } from "./plane-directives.js";
import { MONITOR_USAGE, SENTINEL_GLOBAL, SENTINEL_PER_MASTER, applyMonitor } from "./sentinel-directives.js";
import { REDIS_SERVER_CONFIG_NAMES } from "./redis-config-names.js";
import { SERVER_HONOURED, SERVER_IGNORED, SERVER_REFUSED } from "./server-directives.js";
import { TLS_HONOURED, TLS_IGNORED, TLS_PLANE_GLOBAL } from "./tls-directives.js";
import { TLS_RUNTIME_FILES } from "./tls-model.js";
import { splitConfigLines } from "./tokenize.js";
import { shown } from "./values.js";

/** One line of the file as the writer needs it. */
export interface DocumentLine {
  readonly text: string;
  /**
   * For lines the writer regenerates from the model (every `sentinel` and `sentinel-plane`
   * line): which value they hold, e.g. `sentinel known-replica mymaster`. null = kept verbatim.
   */
  readonly key: string | null;
  readonly argv: readonly string[];
}

export interface ConfigDocument {
  readonly lines: readonly DocumentLine[];
}

export interface ParsedConfig {
  readonly source: string;
  readonly config: SentinelConfig;
  readonly document: ConfigDocument;
  /** Accepted lines that have no effect, with why. */
  readonly notes: readonly ConfigNote[];
}

export interface ParseOptions {
  /** How messages name the file (`sentinel.conf:12: ...`). */
  readonly source: string;
  /** Redis refuses scripts that are not executable (access X_OK); pass a check to do the same. */
  readonly isExecutable?: (path: string, dir: string | null) => boolean;
}

type Classified =
  | {
      readonly kind: "apply";
      readonly directive: string;
      readonly phase: Phase;
      readonly key: string | null;
      readonly spec: Directive | "monitor";
      readonly args: readonly string[];
    }
  | { readonly kind: "note"; readonly directive: string; readonly note: string }
  | { readonly kind: "refuse"; readonly directive: string; readonly reason: string };

interface Pending {
  readonly line: number;
  readonly item: Extract<Classified, { kind: "apply" }>;
}

export function parseSentinelConf(text: string, options: ParseOptions): Result<ParsedConfig> {
  const problems = new ProblemList();
  const notes: ConfigNote[] = [];
  const lines: DocumentLine[] = [];
  const pending: Pending[] = [];
  const source = options.source;

  for (const src of splitConfigLines(text)) {
    const tokens = src.tokens;
    if (tokens.kind === "blank" || tokens.kind === "comment") {
      lines.push({ text: src.text, key: null, argv: [] });
      continue;
    }
    if (tokens.kind === "error") {
      problems.add({ source, line: src.line, directive: "line", reason: tokens.reason });
      continue;
    }
    const item = classify(tokens.argv);
    lines.push({ text: src.text, key: item.kind === "apply" ? item.key : null, argv: tokens.argv });
    if (item.kind === "refuse") {
      problems.add({ source, line: src.line, directive: item.directive, reason: item.reason });
    } else if (item.kind === "note") {
      notes.push({ source, line: src.line, directive: item.directive, note: item.note });
    } else {
      pending.push({ line: src.line, item });
    }
  }

  const draft = newDraft();
  // Redis 7's order: globals, then monitors, then lines naming a master (stable within a phase).
  const ordered = [...pending].sort((a, b) => a.item.phase - b.item.phase || a.line - b.line);
  for (const { line, item } of ordered) {
    const ctx: DirectiveContext = {
      draft,
      args: item.args,
      isExecutable: options.isExecutable ?? null,
      fail: (reason) => {
        problems.add({ source, line, directive: item.directive, reason });
      },
      note: (note) => {
        notes.push({ source, line, directive: item.directive, note });
      },
    };
    applyOne(ctx, draft, item);
  }

  const error = problems.toError();
  if (error !== null) return { ok: false, error };
  notes.sort((a, b) => a.line - b.line);
  return { ok: true, value: { source, config: finishDraft(draft), document: { lines }, notes } };
}

function applyOne(ctx: DirectiveContext, draft: ConfigDraft, item: Pending["item"]): void {
  const spec = item.spec;
  const arity: readonly [number, number] = spec === "monitor" ? [4, 4] : spec.arity;
  const usage = spec === "monitor" ? MONITOR_USAGE : spec.usage;
  if (item.args.length < arity[0] || item.args.length > arity[1]) {
    const expected = arity[0] === arity[1] ? `${arity[0]}` : `${arity[0]} to ${arity[1]}`;
    // Redis reads `port 26379 # note` as four arguments: say so, it is a common surprise.
    const hint = item.args.some((a) => a.startsWith("#")) ? "; comments must be on their own line" : "";
    ctx.fail(
      `expected ${expected} argument${arity[1] === 1 ? "" : "s"} (${usage}), got ${item.args.length}${hint}`,
    );
    // A refused monitor line is reported once, not again on every line naming its master.
    if (spec === "monitor" && item.args[0] !== undefined) draft.refused_masters.add(item.args[0]);
    return;
  }
  if (spec === "monitor") {
    applyMonitor(ctx);
    return;
  }
  if (spec.kind === "global") {
    spec.apply(ctx);
    return;
  }
  const name = item.args[0] ?? "";
  const master = draft.masters.get(name);
  if (master !== undefined) {
    spec.apply(ctx, master);
    return;
  }
  // A master whose monitor line was refused is already reported once.
  if (!draft.refused_masters.has(name)) {
    ctx.fail(
      `No such master with specified name. (no "sentinel monitor ${name} ..." line for ${shown(name)})`,
    );
  }
}

function classify(argv: readonly string[]): Classified {
  const word = (argv[0] ?? "").toLowerCase();
  if (word === "sentinel") return classifySentinel(argv.slice(1));
  if (word === "sentinel-plane") return classifyPlane(argv.slice(1));
  const args = argv.slice(1);
  const honoured = SERVER_HONOURED.get(word) ?? TLS_HONOURED.get(word);
  // `user` lines belong to the rewrite (render.ts writes the current ACL users in their place),
  // and so do the TLS files SENTINEL CONFIG SET changes.
  if (honoured !== undefined)
    return {
      kind: "apply",
      directive: word,
      phase: 0,
      key: word === "user" || TLS_RUNTIME_FILES.some((file) => file === word) ? word : null,
      spec: honoured,
      args,
    };
  const ignored = SERVER_IGNORED.get(word) ?? TLS_IGNORED.get(word);
  if (ignored !== undefined) {
    if (args.length === 0) return { kind: "refuse", directive: word, reason: "expected a value" };
    return { kind: "note", directive: word, note: `ignored: ${ignored}` };
  }
  const refused = SERVER_REFUSED.get(word);
  if (refused !== undefined) return { kind: "refuse", directive: word, reason: refused };
  if (REDIS_SERVER_CONFIG_NAMES.has(word)) {
    return {
      kind: "note",
      directive: word,
      note: "ignored: a Redis server setting with no meaning for the agent",
    };
  }
  return {
    kind: "refuse",
    directive: argv[0] ?? "",
    reason:
      "unknown directive (neither a Sentinel directive, a sentinel-plane setting nor a Redis setting the agent accepts)",
  };
}

function classifySentinel(rest: readonly string[]): Classified {
  if (rest.length === 0) {
    // In Redis a bare `sentinel` line only switches a redis-server into Sentinel mode.
    return { kind: "note", directive: "sentinel", note: "ignored: the agent is always a Sentinel" };
  }
  const sub = (rest[0] ?? "").toLowerCase();
  const directive = `sentinel ${sub}`;
  const args = rest.slice(1);
  if (sub === "monitor") {
    return {
      kind: "apply",
      directive,
      phase: 1,
      key: `${directive} ${args[0] ?? ""}`,
      spec: "monitor",
      args,
    };
  }
  const global = SENTINEL_GLOBAL.get(sub);
  if (global !== undefined) return { kind: "apply", directive, phase: 0, key: directive, spec: global, args };
  const per_master = SENTINEL_PER_MASTER.get(sub);
  if (per_master !== undefined) {
    // known-slave is the old name of known-replica: both fill (and are rewritten as) known-replica.
    const key = `sentinel ${sub === "known-slave" ? "known-replica" : sub} ${args[0] ?? ""}`;
    return { kind: "apply", directive, phase: 2, key, spec: per_master, args };
  }
  return {
    kind: "refuse",
    directive,
    reason: "Unrecognized sentinel configuration statement. (unknown sentinel directive)",
  };
}

function classifyPlane(rest: readonly string[]): Classified {
  const sub = (rest[0] ?? "").toLowerCase();
  if (sub === "") return { kind: "refuse", directive: "sentinel-plane", reason: "expected a setting name" };
  const directive = `sentinel-plane ${sub}`;
  const args = rest.slice(1);
  const global = PLANE_GLOBAL.get(sub);
  if (global !== undefined) return { kind: "apply", directive, phase: 0, key: directive, spec: global, args };
  // Like the tls-* lines, kept verbatim on rewrite (nothing changes them at run time).
  const tls = TLS_PLANE_GLOBAL.get(sub);
  if (tls !== undefined) return { kind: "apply", directive, phase: 0, key: null, spec: tls, args };
  const per_master = PLANE_PER_MASTER.get(sub);
  if (per_master !== undefined) {
    return {
      kind: "apply",
      directive,
      phase: 2,
      key: `${directive} ${args[0] ?? ""}`,
      spec: per_master,
      args,
    };
  }
  return { kind: "refuse", directive, reason: "unknown sentinel-plane setting" };
}
