// VipController's handling of command outcomes, with a fake `ip` that records its argv and
// answers as told. No namespace and no address is touched.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { VipConfig } from "@sentinel-plane/vip-shell";
import { VipError } from "@sentinel-plane/vip-shell";
import { VipController } from "./vip-controller.js";

const config: VipConfig = { master_name: "mymaster", vip: "10.91.4.30", prefix_length: 24, interface: "mgt" };
let dir = "";
let fake_ip = "";
let fake_arping = "";

/** The fake prints `stdout`, `stderr`, sleeps `sleep_s` and exits `code`, as set per test. */
function behave(code: number, stderr = "", stdout = "", sleep_s = 0): void {
  writeFileSync(join(dir, "code"), String(code));
  writeFileSync(join(dir, "stderr"), stderr);
  writeFileSync(join(dir, "stdout"), stdout);
  writeFileSync(join(dir, "sleep"), String(sleep_s));
  writeFileSync(join(dir, "argv"), "");
}

function recorded(): string[] {
  return readFileSync(join(dir, "argv"), "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sp-vip-"));
  fake_ip = join(dir, "ip");
  writeFileSync(
    fake_ip,
    `#!/bin/bash\necho "$*" >> '${dir}/argv'\ncat '${dir}/stdout'\ncat '${dir}/stderr' >&2\n` +
      `s="$(cat '${dir}/sleep')"; [ "$s" != 0 ] && exec sleep "$s"\nexit "$(cat '${dir}/code')"\n`,
  );
  chmodSync(fake_ip, 0o755);
  fake_arping = join(dir, "arping");
  writeFileSync(fake_arping, `#!/bin/bash\necho "arping $*" >> '${dir}/argv'\nexit 0\n`);
  chmodSync(fake_arping, 0o755);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function make(
  options: {
    ip_path?: string;
    arping_path?: string;
    command_timeout_ms?: number;
    lifetime_s?: number;
    dad_probe_wait_ms?: number;
  } = {},
) {
  return new VipController(config, { ip_path: fake_ip, arping_path: fake_arping, ...options });
}

void describe("VipController command handling (fake ip)", () => {
  void it("binds with ip addr replace, then announces with arping -U", async () => {
    behave(0);
    const controller = make();
    await controller.hold();
    const exit = await controller.lastArpingExit();
    assert.equal(exit?.exit_code, 0);
    assert.deepEqual(recorded(), ["addr replace 10.91.4.30/24 dev mgt", "arping -U -c 3 -I mgt 10.91.4.30"]);
  });

  void it("treats exit 2 'Address not found' on release as done", async () => {
    behave(2, "Error: ipv4: Address not found.\n");
    assert.deepEqual(await make().release(), { removed: false });
    assert.deepEqual(recorded(), ["addr del 10.91.4.30/24 dev mgt"]);
  });

  void it("reports other failures with a code and the command's stderr", async () => {
    behave(1, 'Cannot find device "mgt"\n');
    await assert.rejects(make().release(), (error: unknown) => {
      assert.ok(error instanceof VipError);
      assert.equal(error.code, "SP_ERR_VIP_COMMAND_FAILED");
      assert.equal(error.failure?.exit_code, 1);
      assert.match(error.message, /Cannot find device/);
      return true;
    });
    behave(2, "RTNETLINK answers: Operation not permitted\n");
    await assert.rejects(make().hold(), { code: "SP_ERR_VIP_COMMAND_FAILED" });
    assert.deepEqual(recorded(), ["addr replace 10.91.4.30/24 dev mgt"], "no arping after a failed bind");
  });

  void it("kills a command that exceeds its timeout", async () => {
    behave(0, "", "", 5);
    await assert.rejects(make({ command_timeout_ms: 200 }).check(), { code: "SP_ERR_VIP_COMMAND_TIMEOUT" });
  });

  void it("reports a missing ip or arping binary as SP_ERR_VIP_SPAWN", async () => {
    await assert.rejects(make({ ip_path: join(dir, "no-ip") }).check(), { code: "SP_ERR_VIP_SPAWN" });
    behave(0);
    await assert.rejects(make({ arping_path: join(dir, "no-arping") }).hold(), { code: "SP_ERR_VIP_SPAWN" });
  });

  void it("reads the bound addresses from ip -j, and rejects output that is not JSON", async () => {
    const shown = JSON.stringify([{ ifname: "mgt", addr_info: [{ family: "inet", local: "10.91.4.30" }] }]);
    behave(0, "", shown);
    assert.equal(await make().check(), true);
    behave(0, "", JSON.stringify([{ ifname: "mgt", addr_info: [{ family: "inet", local: "10.91.4.20" }] }]));
    assert.equal(await make().check(), false);
    behave(0, "", "not json");
    await assert.rejects(make().check(), { code: "SP_ERR_VIP_BAD_OUTPUT" });
  });

  void it("with lifetime_s, binds and renews with valid_lft/preferred_lft; leaves a forever address alone", async () => {
    const shown = (valid_life_time: number): string =>
      JSON.stringify([
        { ifname: "mgt", addr_info: [{ family: "inet", local: "10.91.4.30", valid_life_time }] },
      ]);
    const lifetime = "addr replace 10.91.4.30/24 dev mgt valid_lft 2 preferred_lft 2";
    behave(0, "", "[]");
    const controller = make({ lifetime_s: 2 });
    assert.equal(await controller.reconcile("hold"), "bound");
    await controller.lastArpingExit();
    assert.deepEqual(recorded(), ["-j addr show dev mgt", lifetime, "arping -U -c 3 -I mgt 10.91.4.30"]);
    // Bound with a lifetime: renewed, not announced again.
    behave(0, "", shown(1));
    assert.equal(await controller.reconcile("hold"), "already_bound");
    assert.deepEqual(recorded(), ["-j addr show dev mgt", lifetime]);
    // forever (an operator's address): read only, as without lifetime_s.
    behave(0, "", shown(4294967295));
    assert.equal(await controller.reconcile("hold"), "already_bound");
    assert.deepEqual(recorded(), ["-j addr show dev mgt"]);
    // Without lifetime_s nothing is renewed, whatever the lifetime.
    behave(0, "", shown(1));
    assert.equal(await make().reconcile("hold"), "already_bound");
    assert.deepEqual(recorded(), ["-j addr show dev mgt"]);
    assert.throws(() => make({ lifetime_s: 0 }));
    assert.throws(() => make({ lifetime_s: 1.5 }));
  });

  void it("runs commands behind the configured prefix", async () => {
    behave(0, "", "[]");
    const controller = new VipController(config, {
      ip_path: "ip",
      command_prefix: [fake_ip, "netns", "exec", "h1"],
      arping_path: fake_arping,
    });
    assert.equal(await controller.check(), false);
    assert.deepEqual(recorded(), ["netns exec h1 ip -j addr show dev mgt"]);
  });

  void it("probe(): arping -D runs stopped with SIGINT; silent, answered, unsent and failing probes", async () => {
    // A fake `arping -D` as iputils behaves: exit 1 at once on an answer; otherwise listen until
    // SIGINT, then print the summary and exit 0. The mode file says which ("first": only the
    // first run answers, the others listen). It listens in short foreground sleeps: bash runs the
    // trap when the current one ends (50 ms at most). A background `sleep 5` (as this fake had)
    // outlived the trap's exit with our stdout open, so a probe stopped after its trap was set
    // ended only 5 s later (CI, 2026-12-05: "stopped at the first answer: 5047 ms"). A SIGINT
    // that reaches bash while it starts up, before the trap line, is lost (5056 ms, CI the same
    // day): runCommand sends the stop again until the command exits (command.ts STOP_RESEND_MS).
    const fake_dad = join(dir, "arping-dad");
    writeFileSync(
      fake_dad,
      `#!/bin/bash\necho "arping $*" >> '${dir}/argv'\nmode="$(cat '${dir}/dad')"\n` +
        `echo $$ >> '${dir}/pids'\n` +
        `[ "$mode" = first ] && { [ "$(head -1 '${dir}/pids')" = $$ ] && mode=answered || mode=silent; }\n` +
        `case "$mode" in\n` +
        `answered) echo "Sent 1 probes (1 broadcast(s))"; echo "Received 1 response(s)"; exit 1;;\n` +
        `broken) echo "arping: Interface mgt is down" >&2; exit 2;;\n` +
        `unsent) trap 'echo "Sent 0 probes (0 broadcast(s))"; echo "Received 0 response(s)"; exit 0' INT;;\n` +
        `*) trap 'echo "Sent 1 probes (1 broadcast(s))"; echo "Received 0 response(s)"; exit 0' INT;;\n` +
        `esac\nfor _ in $(seq 100); do sleep 0.05; done\nexit 0\n`,
    );
    chmodSync(fake_dad, 0o755);
    const dad = (mode: string): void => {
      behave(0);
      writeFileSync(join(dir, "dad"), mode);
      writeFileSync(join(dir, "pids"), "");
    };
    const controller = new VipController(config, {
      ip_path: fake_ip,
      arping_path: fake_dad,
      dad_probes: 3,
      dad_probe_wait_ms: 100,
    });
    const argv = "arping -D -c 1 -I mgt 10.91.4.30";

    dad("silent");
    const silent = await controller.probe();
    assert.equal(silent.result, "silent");
    assert.equal(silent.probes_sent, 3);
    assert.deepEqual(recorded(), [argv, argv, argv], "three probes");
    // Started 10 ms apart, all stopped 100 ms after the last start.
    assert.ok(silent.duration_ms >= 120, `the probes listened their wait: ${silent.duration_ms} ms`);

    dad("answered");
    const answered = await controller.probe();
    assert.equal(answered.result, "answered");
    assert.ok(answered.probes_sent >= 1);

    // The first answer stops the probes still listening: long before their 2 s wait.
    dad("first");
    const patient = new VipController(config, {
      ip_path: fake_ip,
      arping_path: fake_dad,
      dad_probes: 3,
      dad_probe_wait_ms: 2_000,
    });
    const first = await patient.probe();
    assert.equal(first.result, "answered");
    assert.ok(first.duration_ms < 1_500, `stopped at the first answer: ${first.duration_ms} ms`);

    dad("unsent");
    const unsent = await controller.probe();
    assert.deepEqual(
      { result: unsent.result, probes_sent: unsent.probes_sent },
      { result: "inconclusive", probes_sent: 0 },
    );
    assert.equal(recorded().length, 3, "no probe went out: nothing is known");

    dad("broken");
    await assert.rejects(controller.probe(), (error: unknown) => {
      assert.ok(error instanceof VipError);
      assert.equal(error.code, "SP_ERR_VIP_COMMAND_FAILED");
      assert.match(error.message, /Interface mgt is down/);
      return true;
    });
    assert.throws(() => make({ command_timeout_ms: 100, dad_probe_wait_ms: 100 }));
  });

  void it("renew(): false and nothing done where the VIP is not bound", async () => {
    behave(0, "", "[]");
    assert.equal(await make({ lifetime_s: 2 }).renew(), false);
    assert.deepEqual(recorded(), ["-j addr show dev mgt"]);
  });
});
