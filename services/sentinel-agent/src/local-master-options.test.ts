import { test } from "node:test";
import assert from "node:assert/strict";
import { SENTINEL_CONFIG_DEFAULT } from "./config/index.js";
import type { MasterConfig } from "./config/index.js";
import { LocalMasterOptions } from "./local-master-options.js";
import type { LocalOptionRules } from "./local-master-options.js";

const EXECUTABLE = new Set(["/srv/sentinel/notify.sh", "/opt/reconfig.sh"]);

function rules(deny_scripts_reconfig: boolean): LocalOptionRules {
  return { deny_scripts_reconfig, work_dir: "/srv/sentinel", isExecutable: (p) => EXECUTABLE.has(p) };
}

const FILE_MASTER = {
  name: "mymaster",
  auth_user: null,
  auth_pass: "from-file",
  notification_script: "/opt/reconfig.sh",
  client_reconfig_script: null,
  renamed_commands: [{ command: "CONFIG", renamed_to: "GUESS-ME" }],
} as unknown as MasterConfig;

void test("script paths: refused under deny-scripts-reconfig (Sentinel's default), with Sentinel's texts", () => {
  const local = new LocalMasterOptions(rules(true), [FILE_MASTER]);
  const denied = local.set("mymaster", [{ option: "notification-script", value: "notify.sh" }]);
  assert.deepEqual(denied, {
    ok: false,
    error:
      "ERR Reconfiguration of scripts path is denied for security reasons. Check the " +
      "deny-scripts-reconfig configuration directive in your Sentinel configuration",
  });
  assert.equal(local.get("mymaster").notification_script, "/opt/reconfig.sh", "unchanged");
  // Credentials are not scripts: allowed whatever the rule.
  assert.deepEqual(local.set("mymaster", [{ option: "auth-pass", value: "s3cret" }]), { ok: true });
  assert.equal(local.get("mymaster").auth_pass, "s3cret");
});

void test("script paths: checked executable (relative to the work dir), empty clears", () => {
  const local = new LocalMasterOptions(rules(false), [FILE_MASTER]);
  assert.deepEqual(local.set("mymaster", [{ option: "client-reconfig-script", value: "missing.sh" }]), {
    ok: false,
    error: "ERR Client reconfiguration script seems non existing or non executable",
  });
  const both = local.set("mymaster", [
    { option: "auth-user", value: "app" },
    { option: "notification-script", value: "/nope" },
  ]);
  assert.deepEqual(both, {
    ok: false,
    error: "ERR Notification script seems non existing or non executable",
  });
  assert.equal(local.get("mymaster").auth_user, null, "nothing applied when one option is refused");
  assert.deepEqual(local.set("mymaster", [{ option: "notification-script", value: "notify.sh" }]), {
    ok: true,
  });
  assert.equal(
    local.get("mymaster").notification_script,
    "notify.sh",
    "kept as given, as Sentinel writes it",
  );
  assert.equal(local.scriptPath("notify.sh"), "/srv/sentinel/notify.sh");
  assert.equal(local.scriptPath("/opt/reconfig.sh"), "/opt/reconfig.sh");
  assert.deepEqual(local.set("mymaster", [{ option: "notification-script", value: "" }]), { ok: true });
  assert.equal(local.get("mymaster").notification_script, null);
});

void test("a removed master's options go; the config written back carries the current ones", () => {
  const local = new LocalMasterOptions(rules(false), [FILE_MASTER]);
  local.set("other", [{ option: "auth-pass", value: "x" }]);
  local.retain(new Set(["mymaster"]));
  assert.equal(local.get("other").auth_pass, null);
  local.set("mymaster", [{ option: "notification-script", value: "notify.sh" }]);
  const written = local.overlay({
    ...SENTINEL_CONFIG_DEFAULT,
    masters: [{ ...FILE_MASTER, auth_pass: null }],
  });
  const [master] = written.masters;
  assert.ok(master !== undefined);
  assert.equal(master.notification_script, "notify.sh");
  assert.equal(master.auth_pass, "from-file");
});

void test("rename-command as sentinel.c: a new name replaces the old one, the command's own name undoes it", () => {
  const local = new LocalMasterOptions(rules(false), [FILE_MASTER]);
  assert.equal(local.commandName("mymaster", "config"), "GUESS-ME", "from the file, any case");
  assert.equal(local.commandName("mymaster", "PING"), "PING");
  local.renameCommand("mymaster", "PING", "PONG");
  assert.equal(local.commandName("mymaster", "PING"), "PONG");
  local.renameCommand("mymaster", "ping", "HEARTBEAT");
  assert.equal(local.commandName("mymaster", "PING"), "HEARTBEAT");
  local.renameCommand("mymaster", "PING", "ping");
  assert.equal(local.commandName("mymaster", "PING"), "PING");
  assert.equal(local.commandName("other", "PING"), "PING", "another master's names are its own");
  // Written back to the file with the master (FLUSHCONFIG, SENTINEL SET).
  const [master] = local.overlay({ ...SENTINEL_CONFIG_DEFAULT, masters: [FILE_MASTER] }).masters;
  assert.deepEqual(master?.renamed_commands, [{ command: "CONFIG", renamed_to: "GUESS-ME" }]);
  local.renameCommand("mymaster", "PING", "PONG");
  const [again] = local.overlay({ ...SENTINEL_CONFIG_DEFAULT, masters: [FILE_MASTER] }).masters;
  assert.deepEqual(again?.renamed_commands, [
    { command: "CONFIG", renamed_to: "GUESS-ME" },
    { command: "PING", renamed_to: "PONG" },
  ]);
});
