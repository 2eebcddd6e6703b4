import assert from "node:assert/strict";
import { test } from "node:test";
import { announcedHost } from "./announced-host.js";

void test("a hostname is shown as the address it resolved to unless announce-hostnames is yes", () => {
  const resolved = (host: string): string | null => (host === "localhost" ? "127.0.0.1" : null);
  assert.equal(announcedHost("localhost", true, resolved), "localhost");
  assert.equal(announcedHost("localhost", false, resolved), "127.0.0.1");
  assert.equal(announcedHost("10.0.0.1", false, resolved), "10.0.0.1", "an IP stays itself");
  assert.equal(announcedHost("db.example", false, resolved), "db.example", "unresolved: the name");
});
