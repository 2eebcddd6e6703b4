import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture } from "../testing/test-support.js";
import { CONSOLE_ASSETS, CONSOLE_CSP } from "./index.js";

void test("the console's page, script and stylesheet are served with their types and a same-origin CSP", async () => {
  const f = await fixture({ read_auth: true });
  try {
    for (const asset of CONSOLE_ASSETS) {
      // Open even with read auth on (like /docs): the files hold no data.
      const response = await f.app.inject({ method: "GET", url: asset.path });
      assert.equal(response.statusCode, 200, asset.path);
      assert.equal(response.headers["content-type"], asset.type);
      assert.equal(response.headers["content-security-policy"], CONSOLE_CSP);
      assert.ok(response.body.length > 100, `${asset.path} is empty`);
    }
    const page = await f.app.inject({ method: "GET", url: "/ui/" });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<script src="\/ui\/console\.js"/);
  } finally {
    await f.app.close();
  }
});

void test("the console references nothing outside the agent", async () => {
  const f = await fixture();
  try {
    for (const asset of CONSOLE_ASSETS) {
      const body = (await f.app.inject({ method: "GET", url: asset.path })).body;
      // The SVG namespace is an identifier, not a request.
      const urls = (body.match(/https?:\/\/[^\s"'`)]+/g) ?? []).filter(
        (u) => u !== "http://www.w3.org/2000/svg",
      );
      assert.deepEqual(urls, [], `${asset.path} names an external URL`);
    }
  } finally {
    await f.app.close();
  }
});

void test("/ leads to the console; /ui is not in the OpenAPI document; unknown /ui paths are 404 problems", async () => {
  const f = await fixture();
  try {
    const root = await f.app.inject({ method: "GET", url: "/" });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, "/ui");
    const doc = (await f.app.inject({ method: "GET", url: "/openapi.json" })).json<{ paths: object }>();
    assert.deepEqual(
      Object.keys(doc.paths).filter((p) => p === "/" || p.startsWith("/ui")),
      [],
    );
    const missing = await f.app.inject({ method: "GET", url: "/ui/nope.js" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ code: string }>().code, "SP_ERR_NOT_FOUND");
  } finally {
    await f.app.close();
  }
});
