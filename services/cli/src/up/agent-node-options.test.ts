// The agent's node options: the environment's override, and the same default wherever an agent is
// started (`up`, the systemd unit, the image's entry point).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  AGENT_MALLOC_ENV_DEFAULT,
  AGENT_NODE_OPTIONS_DEFAULT,
  agentMallocEnv,
  agentNodeOptions,
} from "./agent-node-options.js";

function repoFile(path: string): string {
  return readFileSync(new URL(`../../../../${path}`, import.meta.url), "utf8");
}

void test("AGENT_NODE_OPTIONS replaces the default; set but empty means none", () => {
  assert.deepEqual(agentNodeOptions({}), [
    "--max-semi-space-size=1",
    "--max-old-space-size=256",
    "--compact-on-every-full-gc",
  ]);
  assert.deepEqual(agentNodeOptions({ AGENT_NODE_OPTIONS: " --max-old-space-size=512  --jitless " }), [
    "--max-old-space-size=512",
    "--jitless",
  ]);
  assert.deepEqual(agentNodeOptions({ AGENT_NODE_OPTIONS: "" }), []);
});

void test("the systemd unit and the image's entry point start the agent with the same default", () => {
  const unit = repoFile("deploy/systemd/sentinel-plane-agent.service");
  assert.ok(unit.includes(`Environment="AGENT_NODE_OPTIONS=${AGENT_NODE_OPTIONS_DEFAULT}"`), "unit default");
  assert.match(unit, /^ExecStart=\/usr\/bin\/node \$AGENT_NODE_OPTIONS /m);
  const entrypoint = repoFile("compose/docker-entrypoint.sh");
  assert.ok(
    entrypoint.includes(`exec node \${AGENT_NODE_OPTIONS-${AGENT_NODE_OPTIONS_DEFAULT}} \\`),
    "entrypoint",
  );
});

void test("malloc settings: each the environment's, else the default, in up, the unit and the entry point", () => {
  assert.deepEqual(agentMallocEnv({}), { MALLOC_ARENA_MAX: "1", MALLOC_MMAP_THRESHOLD_: "32768" });
  assert.deepEqual(agentMallocEnv({ MALLOC_ARENA_MAX: "4" }), {
    MALLOC_ARENA_MAX: "4",
    MALLOC_MMAP_THRESHOLD_: "32768",
  });
  assert.deepEqual(agentMallocEnv({ MALLOC_MMAP_THRESHOLD_: "131072" }), {
    MALLOC_ARENA_MAX: "1",
    MALLOC_MMAP_THRESHOLD_: "131072",
  });
  const unit = repoFile("deploy/systemd/sentinel-plane-agent.service");
  const entrypoint = repoFile("compose/docker-entrypoint.sh");
  for (const [name, value] of Object.entries(AGENT_MALLOC_ENV_DEFAULT)) {
    assert.match(unit, new RegExp(`^Environment=${name}=${value}$`, "m"), `unit ${name}`);
    assert.ok(entrypoint.includes(`export ${name}="\${${name}-${value}}"`), `entrypoint ${name}`);
  }
});
