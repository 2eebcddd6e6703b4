import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeThrowawayCerts } from "@sentinel-plane/runtime";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { CliError, EXIT } from "../errors.js";
import { AgentUnreachable, problemOf, RestAgent } from "./rest.js";

void test("problemOf: problem+json code and detail; other bodies named by status", () => {
  assert.deepEqual(
    problemOf(
      404,
      '{"type":"x","title":"Not found","status":404,"detail":"no master","code":"SP_ERR_UNKNOWN_MASTER"}',
    ),
    {
      code: "SP_ERR_UNKNOWN_MASTER",
      detail: "no master",
      status: 404,
    },
  );
  assert.deepEqual(problemOf(502, "bad gateway"), { code: "HTTP_502", detail: "bad gateway", status: 502 });
});

void test("RestAgent: token on changes and reads, JSON answers, refusals as CliError, no server as AgentUnreachable", async (t) => {
  const seen: { method: string; auth: string | undefined; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", auth: req.headers.authorization, body });
      if (req.url === "/v1/masters/nosuch/failover") {
        res.writeHead(404, { "content-type": "application/problem+json" });
        res.end(
          JSON.stringify({ status: 404, detail: "no master named nosuch", code: "SP_ERR_UNKNOWN_MASTER" }),
        );
        return;
      }
      res.writeHead(req.method === "POST" ? 202 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify({ accepted: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  const port = (server.address() as AddressInfo).port;
  const agent = new RestAgent({
    base_url: `http://127.0.0.1:${port}`,
    token: "t0ken-0123456789ab",
    timeout_ms: 2000,
  });

  assert.deepEqual(await agent.request("POST", "/v1/masters/m/failover"), { accepted: true });
  assert.deepEqual(await agent.request("GET", "/v1/masters"), { accepted: true });
  assert.equal(seen[0]?.auth, "Bearer t0ken-0123456789ab");
  // Reads carry it too: an agent with read auth on refuses them without it.
  assert.equal(seen[1]?.auth, "Bearer t0ken-0123456789ab");

  await assert.rejects(agent.request("POST", "/v1/masters/nosuch/failover"), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.code, "SP_ERR_UNKNOWN_MASTER");
    assert.equal(error.exit_code, EXIT.refused);
    assert.match(error.detail, /no master named nosuch \(HTTP 404\)/);
    return true;
  });

  const closed = new RestAgent({ base_url: "http://127.0.0.1:9", token: null, timeout_ms: 1000 });
  await assert.rejects(closed.request("GET", "/v1/masters"), AgentUnreachable);
});

void test("RestAgent over https: the agent's CA (--cacert) is trusted, node's roots alone are not", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-cli-https-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const certs = await makeThrowawayCerts(dir);
  const server = createHttpsServer(
    { cert: await readFile(certs.cert_file, "utf8"), key: await readFile(certs.key_file, "utf8") },
    (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  const base_url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ca = await readFile(certs.ca_file, "utf8");
  const trusted = new RestAgent({ base_url, token: null, timeout_ms: 5000, ca });
  assert.deepEqual(await trusted.request("GET", "/v1/masters"), { ok: true });
  const untrusted = new RestAgent({ base_url, token: null, timeout_ms: 5000 });
  await assert.rejects(untrusted.request("GET", "/v1/masters"), (e: unknown) => {
    assert.ok(e instanceof AgentUnreachable);
    assert.match(e.message, /self-signed certificate|unable to get local issuer|certificate/i);
    return true;
  });
});
