// Per-master options that belong to one agent, not to the cluster: the scripts it runs and the
// credentials it uses towards Redis. Sentinel keeps them per process too (each sentinel is told
// with its own `SENTINEL SET`), so they are never propagated to peers nor stored in the KV; they
// live here, start from the config file and are written back to it by FLUSHCONFIG.
import { isAbsolute, resolve } from "node:path";
import type { MasterConfig, RenamedCommand, SentinelConfig } from "./config/index.js";

export interface MasterLocalOptions {
  readonly auth_user: string | null;
  readonly auth_pass: string | null;
  readonly notification_script: string | null;
  readonly client_reconfig_script: string | null;
  /** `rename-command`: how the master and its replicas call a command (probes use it). */
  readonly renamed_commands: readonly RenamedCommand[];
}

export interface LocalSetOption {
  readonly option: "notification-script" | "client-reconfig-script" | "auth-pass" | "auth-user";
  readonly value: string;
}

export interface LocalOptionRules {
  /** `sentinel deny-scripts-reconfig` (default yes): script paths come from the file only. */
  readonly deny_scripts_reconfig: boolean;
  /** Directory relative script paths are resolved against (Sentinel's `dir`, its cwd). */
  readonly work_dir: string;
  readonly isExecutable: (absolute_path: string) => boolean;
}

export type LocalSetResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

const NONE: MasterLocalOptions = {
  auth_user: null,
  auth_pass: null,
  notification_script: null,
  client_reconfig_script: null,
  renamed_commands: [],
};

// sentinel.c sentinelSetCommand's texts, so that tools matching them keep working.
const SCRIPTS_DENIED =
  "ERR Reconfiguration of scripts path is denied for security reasons. Check the " +
  "deny-scripts-reconfig configuration directive in your Sentinel configuration";
const NOT_EXECUTABLE: Readonly<Record<"notification-script" | "client-reconfig-script", string>> = {
  "notification-script": "ERR Notification script seems non existing or non executable",
  "client-reconfig-script": "ERR Client reconfiguration script seems non existing or non executable",
};

export class LocalMasterOptions {
  readonly #rules: LocalOptionRules;
  readonly #by_name = new Map<string, MasterLocalOptions>();

  constructor(rules: LocalOptionRules, masters: readonly MasterConfig[]) {
    this.#rules = rules;
    for (const m of masters) this.#by_name.set(m.name, pick(m));
  }

  get(name: string): MasterLocalOptions {
    return this.#by_name.get(name) ?? NONE;
  }

  /** The absolute path to run a script from (a relative one is relative to the work dir). */
  scriptPath(path: string): string {
    return isAbsolute(path) ? path : resolve(this.#rules.work_dir, path);
  }

  /** Sentinel's checks of script paths (the other options take any value). */
  check(options: readonly LocalSetOption[]): LocalSetResult {
    for (const { option, value } of options) {
      if (option !== "notification-script" && option !== "client-reconfig-script") continue;
      if (this.#rules.deny_scripts_reconfig) return { ok: false, error: SCRIPTS_DENIED };
      if (value !== "" && !this.#rules.isExecutable(this.scriptPath(value))) {
        return { ok: false, error: NOT_EXECUTABLE[option] };
      }
    }
    return { ok: true };
  }

  /**
   * Checks every option first, then applies them all (Sentinel applies them one by one and
   * stops at the first bad one; all or nothing is the same for a single option).
   */
  set(name: string, options: readonly LocalSetOption[]): LocalSetResult {
    const checked = this.check(options);
    if (!checked.ok) return checked;
    let next = this.get(name);
    for (const { option, value } of options) {
      const v = value === "" ? null : value; // an empty value clears it, as in Sentinel
      if (option === "notification-script") next = { ...next, notification_script: v };
      else if (option === "client-reconfig-script") next = { ...next, client_reconfig_script: v };
      else if (option === "auth-pass") next = { ...next, auth_pass: v };
      else next = { ...next, auth_user: v };
    }
    this.#by_name.set(name, next);
    return { ok: true };
  }

  /**
   * SENTINEL SET <name> rename-command <command> <renamed>, as sentinel.c: the command's former
   * renaming goes, and a new one is kept unless it names the command itself (case-insensitively),
   * which is how a renaming is undone.
   */
  renameCommand(name: string, command: string, renamed_to: string): void {
    const current = this.get(name);
    const others = current.renamed_commands.filter((r) => r.command.toLowerCase() !== command.toLowerCase());
    const renamed_commands =
      command.toLowerCase() === renamed_to.toLowerCase() ? others : [...others, { command, renamed_to }];
    this.#by_name.set(name, { ...current, renamed_commands });
  }

  /** The name to send `command` under to this master's instances (itself when not renamed). */
  commandName(name: string, command: string): string {
    const found = this.get(name).renamed_commands.find(
      (r) => r.command.toLowerCase() === command.toLowerCase(),
    );
    return found?.renamed_to ?? command;
  }

  /** Drops the options of masters no longer monitored (a new MONITOR starts without them). */
  retain(names: ReadonlySet<string>): void {
    for (const name of [...this.#by_name.keys()]) if (!names.has(name)) this.#by_name.delete(name);
  }

  /** The config with each master's local options as they are now (for FLUSHCONFIG). */
  overlay(config: SentinelConfig): SentinelConfig {
    return { ...config, masters: config.masters.map((m) => ({ ...m, ...this.get(m.name) })) };
  }
}

function pick(m: MasterConfig): MasterLocalOptions {
  return {
    auth_user: m.auth_user,
    auth_pass: m.auth_pass,
    notification_script: m.notification_script,
    client_reconfig_script: m.client_reconfig_script,
    renamed_commands: m.renamed_commands,
  };
}
