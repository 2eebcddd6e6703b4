// deploy/ checked (issue 16): the systemd units (systemd-analyze verify where installed, and their
// hardening keys always), the Prometheus rules (promtool where installed), the Grafana dashboard,
// and every sp_* metric they use documented in README's "Metrics" table.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "@sentinel-plane/testkit";

const ROOT = repoRoot();
const UNITS = join(ROOT, "deploy/systemd");
const RULES = join(ROOT, "deploy/prometheus/sentinel-plane.rules.yml");
const DASHBOARD = join(ROOT, "deploy/grafana/sentinel-plane.json");

function has(program: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" }).status === 0;
}

/** `Key=value` lines of a unit, by key (a key may repeat). */
function unitKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    assert.ok(eq > 0, `not Key=value: ${line}`);
    const key = line.slice(0, eq);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

const unitFiles = readdirSync(UNITS).filter((f) => f.endsWith(".service"));

void test("systemd units: four, hardened, compiled entry points, capabilities only for vip-manager", () => {
  assert.deepEqual(unitFiles.sort(), [
    "sentinel-plane-agent.service",
    "sentinel-plane-data-node.service",
    "sentinel-plane-nats.service",
    "sentinel-plane-vip-manager.service",
  ]);
  for (const file of unitFiles) {
    const keys = unitKeys(readFileSync(join(UNITS, file), "utf8"));
    const one = (k: string): string | undefined => keys.get(k)?.at(-1);
    for (const [k, v] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
      ["PrivateDevices", "yes"],
      ["User", "sentinel-plane"],
    ] as const) {
      assert.equal(one(k), v, `${file}: ${k}=${v}`);
    }
    const exec = one("ExecStart") ?? "";
    assert.doesNotMatch(exec, /tsx|\.ts\b/, `${file}: starts compiled code`);
    if (file !== "sentinel-plane-nats.service") assert.match(exec, /\/dist\/main\.js /, file);
    // No V8 heap options for the agent: with them it lost probes at start (README, "Agent memory").
    if (file === "sentinel-plane-agent.service")
      assert.doesNotMatch(exec, /--max-(semi|old)-space-size/, file);
    const caps = one("CapabilityBoundingSet") ?? "(unset)";
    const ambient = one("AmbientCapabilities") ?? "(unset)";
    if (file === "sentinel-plane-vip-manager.service") {
      assert.equal(caps, "CAP_NET_ADMIN CAP_NET_RAW");
      assert.equal(ambient, "CAP_NET_ADMIN CAP_NET_RAW");
    } else {
      assert.equal(caps, "", `${file}: no capabilities`);
      assert.equal(ambient, "", `${file}: no capabilities`);
    }
  }
});

void test("systemd units pass systemd-analyze verify (where systemd is installed)", (t) => {
  if (!has("systemd-analyze")) {
    t.diagnostic("systemd-analyze not installed: the key checks above stand alone");
    return;
  }
  const missing = ["/usr/bin/node", "/usr/sbin/nats-server"].filter(
    (p) => spawnSync("test", ["-x", p]).status !== 0,
  );
  if (missing.length > 0) {
    t.diagnostic(`not installed here, verify would only report that: ${missing.join(", ")}`);
    return;
  }
  const run = spawnSync("systemd-analyze", ["verify", ...unitFiles.map((f) => join(UNITS, f))], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
});

void test("Prometheus rules pass promtool (where installed)", (t) => {
  if (!has("promtool")) {
    t.diagnostic("promtool not installed (Debian: apt-get install prometheus)");
    return;
  }
  const run = spawnSync("promtool", ["check", "rules", RULES], { encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
});

void test("Grafana dashboard: valid JSON, every panel queries Prometheus", () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
    uid: string;
    panels: { id: number; title: string; targets: { expr: string }[] }[];
  };
  assert.equal(dashboard.uid, "sentinel-plane");
  assert.ok(dashboard.panels.length >= 8);
  assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length);
  for (const p of dashboard.panels)
    assert.ok(p.targets.length > 0 && p.targets.every((x) => x.expr !== ""), p.title);
});

void test("every sp_* metric the rules and the dashboard use is documented in README", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const used = new Set<string>();
  for (const text of [readFileSync(RULES, "utf8"), readFileSync(DASHBOARD, "utf8")]) {
    for (const m of text.matchAll(/\bsp_[a-z_]+/g)) used.add(m[0].replace(/_(bucket|count|sum)$/, ""));
  }
  assert.ok(used.size >= 10);
  for (const name of used) assert.ok(readme.includes(`\`${name}\``), `${name} in README's metrics table`);
});
