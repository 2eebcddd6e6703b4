import { test } from "node:test";
import assert from "node:assert/strict";
import { withGlobalParam } from "./global-params.js";
import { parseSentinelConf } from "./parse.js";
import { renderSentinelConf } from "./render.js";

function parse(text: string): ReturnType<typeof parseSentinelConf> {
  return parseSentinelConf(text, { source: "sentinel.conf" });
}

void test("CONFIG SET resolve-hostnames yes is written to the file, so a hostname master survives a restart", () => {
  const first = parse("port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\n");
  if (!first.ok) assert.fail(first.error.message);
  const changed = withGlobalParam(first.value.config, "resolve-hostnames", "yes");
  const text = renderSentinelConf(first.value.document, {
    ...changed,
    masters: changed.masters.map((m) => ({ ...m, address: { host: "localhost", port: 6379 } })),
  });
  const again = parse(text);
  if (!again.ok) assert.fail(again.error.message);
  assert.equal(again.value.config.resolve_hostnames, true);
  assert.equal(again.value.config.masters[0]?.address.host, "localhost");
  // Without it the file is refused at start, as Sentinel refuses it.
  assert.equal(parse(text.replace(/^sentinel resolve-hostnames yes$/m, "")).ok, false);
});

void test("each CONFIG SET parameter maps to its config field; empty and 0 mean unset", () => {
  const base = parse("");
  if (!base.ok) assert.fail(base.error.message);
  const c = base.value.config;
  assert.equal(withGlobalParam(c, "announce-hostnames", "yes").announce_hostnames, true);
  assert.equal(withGlobalParam(c, "announce-ip", "10.0.0.5").announce_ip, "10.0.0.5");
  assert.equal(withGlobalParam(c, "announce-ip", "").announce_ip, null);
  assert.equal(withGlobalParam(c, "announce-port", "26380").announce_port, 26380);
  assert.equal(withGlobalParam(c, "announce-port", "0").announce_port, null);
  assert.equal(withGlobalParam(c, "sentinel-user", "ops").sentinel_user, "ops");
  assert.equal(withGlobalParam(c, "sentinel-pass", "").sentinel_pass, null);
});
