// Where benchmark results go: bench/results/<name>-<timestamp>.json (every figure and sample) and
// a .md beside it (a short table with the date, the machine and the command that produced it), so
// the README quotes files anyone can regenerate.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "results");

export interface Machine {
  readonly date: string;
  readonly host: string;
  readonly cpus: string;
  readonly cores: number;
  readonly memory_mb: number;
  readonly node: string;
  readonly redis: string;
  readonly git_commit: string;
}

function firstLine(file: string, args: readonly string[]): string {
  try {
    return execFileSync(file, args, { encoding: "utf8", timeout: 5000 }).split("\n")[0]?.trim() ?? "";
  } catch {
    return "unknown";
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpus: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memory_mb: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    redis: firstLine("redis-server", ["--version"]),
    git_commit: firstLine("git", ["rev-parse", "--short", "HEAD"]),
  };
}

export interface ResultFiles {
  readonly json_path: string;
  readonly md_path: string;
}

/**
 * Writes `<name>-<YYYYMMDD-HHMMSS>.json` and `.md`, plus `<name>-latest.json/.md` copies the
 * README links to. `markdown` is the body (tables); the header with date, machine and command is
 * added here so every file carries it.
 */
export function writeResults(name: string, command: string, data: unknown, markdown: string): ResultFiles {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const m = machine();
  const stamp = m.date.replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const json = JSON.stringify({ name, command, machine: m, data }, null, 2) + "\n";
  const md =
    `# ${name}\n\n` +
    `- date: ${m.date}\n- machine: ${m.cores} x ${m.cpus}, ${m.memory_mb} MB, ${m.node}, ${m.redis}\n` +
    `- commit: ${m.git_commit}\n- command: \`${command}\`\n\n` +
    markdown.trimEnd() +
    "\n";
  const base = path.join(RESULTS_DIR, `${name}-${stamp}`);
  writeFileSync(`${base}.json`, json);
  writeFileSync(`${base}.md`, md);
  writeFileSync(path.join(RESULTS_DIR, `${name}-latest.json`), json);
  writeFileSync(path.join(RESULTS_DIR, `${name}-latest.md`), md);
  return { json_path: `${base}.json`, md_path: `${base}.md` };
}

/** A markdown table from a header row and data rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n") + "\n";
}
