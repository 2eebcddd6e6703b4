// The lab itself: hosts reach each other only through its bridge, a cut host is unreachable,
// and teardown leaves no namespace and no process behind.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import type { NetnsLab } from "./lab.js";
import { createNetnsLab, listNetns } from "./lab.js";
import { NAME_MAX_CHARS, uniqueLabPrefix } from "./names.js";
import { tcpProbeArgv, tcpReplyServerArgv } from "./tcp.js";

const PORT = 7001;
let lab: NetnsLab | null = null;

after(async () => {
  // Only when a test failed before its own teardown.
  if (lab !== null) await lab.teardown();
});

/** True once the PID is gone or a zombie. Not our child: poll with a deadline. */
async function goneWithin(pid: number, deadline_ms: number): Promise<boolean> {
  const until_ms = performance.now() + deadline_ms;
  while (performance.now() < until_ms) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return true;
    }
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

void describe("netns lab", () => {
  void it("gives every lab its own short names", () => {
    const prefixes = new Set(Array.from({ length: 20 }, () => uniqueLabPrefix()));
    assert.equal(prefixes.size, 20);
    for (const prefix of prefixes) assert.ok(`${prefix}-h9`.length <= NAME_MAX_CHARS);
  });

  void it("connects hosts and client through the bridge, cuts and heals a host, cleans up", async () => {
    const before = await listNetns();
    lab = await createNetnsLab({ hosts: 2, clients: 1 });
    const current = lab;
    const listed = await listNetns();
    for (const name of current.netns_names) assert.ok(listed.includes(name), `${name} not created`);
    assert.equal(current.netns_names.length, 4);

    // Addresses live only inside the lab's namespaces.
    const h1 = current.node("h1");
    const shown = await current.execChecked("h1", ["ip", "-j", "addr", "show", "dev", h1.ifname]);
    assert.match(shown.stdout, new RegExp(`"local":"${h1.address.replaceAll(".", "\\.")}"`));

    const server = current.spawn("h1", tcpReplyServerArgv(PORT, "h1"));
    await server.waitForOutput(/ready/, 10_000);
    const probe = await current.exec("c1", tcpProbeArgv(h1.address, PORT, 2_000));
    assert.equal(probe.code, 0, probe.stdout + probe.stderr);
    assert.equal(probe.stdout, "h1");

    await current.cut("h1");
    const cut = await current.exec("c1", tcpProbeArgv(h1.address, PORT, 500));
    assert.notEqual(cut.code, 0, "a cut host must be unreachable");
    await current.heal("h1");
    const healed = await current.exec("c1", tcpProbeArgv(h1.address, PORT, 2_000));
    assert.equal(healed.stdout, "h1");

    // A process the lab started, and an orphan it did not (as a hook could leave behind).
    const sleeper = current.spawn("h2", ["sleep", "300"]);
    const orphan = await current.execChecked("h2", [
      "bash",
      "-c",
      "setsid sleep 301 >/dev/null 2>&1 < /dev/null & echo $!",
    ]);
    const orphan_pid = Number(orphan.stdout.trim());
    assert.ok(orphan_pid > 0);

    const report = await current.teardown();
    lab = null;
    assert.ok(report.killed_pids.includes(server.pid));
    assert.ok(report.killed_pids.includes(sleeper.pid));
    assert.deepEqual(report.stray_pids, [orphan_pid]);
    assert.deepEqual(report.left, []);
    const after_listed = await listNetns();
    for (const name of current.netns_names) assert.ok(!after_listed.includes(name), `${name} left behind`);
    assert.deepEqual(
      after_listed.filter((name) => !before.includes(name) && name.startsWith(current.prefix)),
      [],
    );
    for (const pid of [server.pid, sleeper.pid, orphan_pid]) {
      assert.ok(await goneWithin(pid, 5_000), `pid ${pid} survived teardown`);
    }
  });
});
