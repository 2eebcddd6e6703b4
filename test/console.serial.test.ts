// The web console (/ui) in a real browser: Debian's chromium, headless, driven by puppeteer-core
// (the system browser; nothing is downloaded), against a real cluster (nats-server, 3
// redis-server with their data-nodes, 3 agents). The page shows the primary; a SIGKILL of the
// primary shows the events and the new primary; a wrong token shows the API's error; a
// switchover from the page completes. Each step awaits a change of the page's DOM. Screenshots
// of the main views go to test-artifacts/console/ (gitignored).
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "puppeteer-core";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { discovered, EVENT_TIMEOUT_MS, THREE_AGENTS, writable } from "./support/agents.js";
import { redisPid } from "./support/redis.js";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const TOKEN = "console-e2e-token-0123456789";
const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/console/", import.meta.url));
/** How long after the agent's +switch-master the page may show the new primary (issue 20). */
const SHOWN_WITHIN_MS = 1000;
const LAPTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function restPort(config_path: string): Promise<number> {
  const text = await readFile(config_path, "utf8");
  const port = Number(/^sentinel-plane rest-port (\d+)$/m.exec(text)?.[1]);
  assert.ok(Number.isInteger(port) && port > 0, `no rest-port in ${config_path}`);
  return port;
}

/** The primary the page shows for the master ("" until rendered). */
async function shownPrimary(page: Page, master: string): Promise<unknown> {
  return page.evaluate(
    `document.querySelector(${JSON.stringify(`[data-master="${master}"] [data-role="primary"]`)})?.textContent`,
  );
}

// The page's functions are given as source text: this project's TypeScript has no DOM library.
const q = (text: string): string => JSON.stringify(text);

/** Resolves when the expression, evaluated in the page after each DOM change, is truthy. */
async function until(page: Page, expression: string): Promise<unknown> {
  const handle = await page.waitForFunction(expression, { timeout: EVENT_TIMEOUT_MS, polling: "mutation" });
  return handle.jsonValue();
}

async function waitForPrimary(page: Page, master: string, address: string): Promise<void> {
  await until(
    page,
    `document.querySelector(${q(`[data-master="${master}"] [data-role="primary"]`)})?.textContent === ${q(address)}`,
  );
}

async function setToken(page: Page, token: string): Promise<void> {
  await page.evaluate(`document.getElementById("token").value = ${q(token)}`);
  await page.click("#token-form button[type=submit]");
}

/** What the page did for an action: the result it shows and the JSON body it sent (if any). */
interface Acted {
  readonly text: string;
  readonly sent: unknown;
}

/** Chooses the action (and target), confirms in the page's dialog, returns the result shown. */
async function act(
  page: Page,
  master: string,
  action: "switchover" | "failover",
  to?: string,
): Promise<Acted> {
  const card = `[data-master="${master}"]`;
  const result = `document.querySelector(${q(`${card} [data-result]`)})`;
  const before = Number(await page.evaluate(`${result}?.dataset.result ?? 0`));
  if (to !== undefined) {
    // The option appears once the page lists that replica as a replica (role slave); a select
    // without it would silently keep "the agents' choice" (seen once: the agents chose another).
    const select = `${card} select[data-action="target"]`;
    await until(page, `document.querySelector(${q(`${select} option[value="${to}"]`)}) !== null`);
    const chooser = await page.$(select);
    assert.ok(chooser, "no target select");
    // The page redraws every second and on every event; puppeteer's select() finds the element
    // in one round trip and chooses in it in the next, so a redraw may replace the select in
    // between: the choice then lands on a select no longer shown, and a page that read the target
    // from the shown one sent none (the agents chose, in CI once the old primary). The redraw (the
    // page's render()) is made to happen there every time: the page must send the choice anyway.
    await page.evaluate("render()");
    assert.deepEqual(await chooser.select(to), [to], "the target was chosen");
    await chooser.dispose();
  }
  const path = `/v1/masters/${encodeURIComponent(master)}/${action}`;
  const request = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === path, {
    timeout: EVENT_TIMEOUT_MS,
  });
  // One turn of the page's own loop: the 1 s redraw cannot replace the button mid-click.
  await page.evaluate(`document.querySelector(${q(`${card} button[data-action="${action}"]`)}).click()`);
  await page.waitForSelector("dialog#confirm[open]", { timeout: 5000 });
  await page.click("#confirm-ok");
  const body = await (await request).fetchPostData();
  // "sending…" is the in-flight state; wait for the API's answer.
  const text = await until(
    page,
    `(() => { const r = ${result}; const t = r?.textContent ?? "";
      return Number(r?.dataset.result ?? 0) > ${before} && !t.includes("sending") ? t : null; })()`,
  );
  assert.ok(typeof text === "string");
  return { text, sent: body === undefined ? undefined : JSON.parse(body) };
}

async function shoot(page: Page, name: string, viewport = LAPTOP): Promise<void> {
  await page.setViewport(viewport);
  if ("isMobile" in viewport) {
    // A change to a mobile viewport reloads the page: wait until it has read the API again.
    await until(
      page,
      `document.querySelector("[data-master]") !== null && document.querySelector("[data-failover]") !== null`,
    );
  }
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function launch(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: no user namespace sandbox; /dev/shm may be small.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
    protocolTimeout: 30_000,
  });
}

async function waitForSwitch(cluster: Cluster, agent: string, since_index: number): Promise<number> {
  const seen = await cluster.waitForEvent((e) => e.name === "+switch-master" && e.agent === agent, {
    timeout_ms: EVENT_TIMEOUT_MS,
    since_index,
  });
  return seen.received_ms;
}

const began = performance.now();
const elapsed = (): string => `${((performance.now() - began) / 1000).toFixed(1)} s`;

void test("console: primary, SIGKILL failover live, wrong token refused, switchover from the page", async (t) => {
  await mkdir(ARTIFACTS, { recursive: true });
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      rest_token: TOKEN,
      replica_priorities: [50, 100],
      // Chromium's bursts (launch, full-page screenshots) starve the other processes of a 2-core
      // machine: with a short lease, a primary's data-node renewed too late and its watchdog killed
      // the healthy primary mid-test (the lease rule doing its job, not the console's subject). A
      // 1 s lease keeps the rule and leaves room for the browser. The lease granted is the agents'
      // (0.4 x down-after, core lease.ts leaseMs), so down-after is 2.5 s here: with 1 s it stayed
      // 400 ms whatever the data-node asked, and the primary was killed right after the first
      // screenshot (CI 2026-12-05, twice: "Connection is closed." from the test's INFO, the old
      // primary already #exited). A SIGKILL's failover starts from the data-node's report, not
      // from down-after.
      down_after_ms: 2500,
      data_node_config: { lease_ms: 1000 },
    });
    const [primary, best, other] = cluster.redis;
    const agent0 = cluster.agents[0];
    assert.ok(primary && best && other && agent0);
    const port = await restPort(agent0.config_path);
    await agent0.process.waitForLog((r) => r["event"] === "rest_listening", { timeout_ms: EVENT_TIMEOUT_MS });
    await discovered(cluster);
    await writable(cluster, primary.port);
    const master = cluster.master_name;
    const at = (p: number): string => `127.0.0.1:${p}`;

    t.diagnostic(`cluster ready at ${elapsed()}`);
    const browser = await launch();
    t.diagnostic(`browser launched at ${elapsed()}`);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.setViewport(LAPTOP);
      await page.goto(`http://127.0.0.1:${port}/ui`, { waitUntil: "domcontentloaded" });

      // 1. The page shows the primary, its replicas, and the stream is live.
      await waitForPrimary(page, master, at(primary.port));
      await until(
        page,
        `document.querySelectorAll("[data-replica]").length === 2 && document.querySelector("#stream.ok") !== null`,
      );
      await shoot(page, "overview");
      t.diagnostic(`primary shown at ${elapsed()}`);

      // 2. SIGKILL of the primary: the page shows +switch-master and the new primary.
      const since = cluster.events.length;
      const switched = waitForSwitch(cluster, agent0.myid, since);
      process.kill(await redisPid(procs, primary.port), "SIGKILL");
      await waitForPrimary(page, master, at(best.port));
      const shown_ms = performance.now();
      await page.waitForSelector('#events [data-event="+switch-master"]', { timeout: EVENT_TIMEOUT_MS });
      const switched_ms = await switched;
      const late_ms = Math.round(shown_ms - switched_ms);
      t.diagnostic(`new primary shown ${late_ms} ms after agent-0's +switch-master reached the test`);
      assert.ok(
        late_ms <= SHOWN_WITHIN_MS,
        `the page showed the new primary ${late_ms} ms after +switch-master`,
      );
      // The stream is this agent's own events: +sdown, the election and the promotion may all be
      // another agent's (a data-node reports the crash; the fastest agent runs the failover).
      // The failover history is the whole cluster's: its timeline holds the leader's steps.
      // The failover's timeline, once the history has its end.
      // Its entry names the move and holds the steps this agent received on a time axis.
      const entry = `document.querySelector("[data-failover]")?.textContent ?? ""`;
      await until(
        page,
        `((t) => t.includes(${q(`${at(primary.port)} → ${at(best.port)}`)}) && t.includes("+try-failover") &&
          t.includes("+switch-master"))(${entry})`,
      );
      assert.ok(await page.$("[data-failover] .timeline .tick.switch"), "no +switch-master on the time axis");
      await shoot(page, "failover");
      t.diagnostic(`failover shown at ${elapsed()}`);

      // 3. A wrong token: the API's error, and the primary stays.
      await setToken(page, "wrong-token-0123456789abcdef");
      const refused = await act(page, master, "switchover");
      assert.deepEqual(refused.sent, {}, "the page asked for the agents' choice");
      assert.match(refused.text, /SP_ERR_UNAUTHORIZED: invalid bearer token \(HTTP 401\)/);
      assert.equal(await shownPrimary(page, master), at(best.port));
      await shoot(page, "wrong-token");
      t.diagnostic(`wrong token refused at ${elapsed()}`);

      // 4. A switchover from the page, to the other replica, once it follows the new primary.
      await setToken(page, TOKEN);
      const row = `document.querySelector(${q(`[data-master="${master}"] [data-replica="${at(other.port)}"]`)})?.closest("tr")`;
      await until(page, `${row}?.querySelector(".pill.ok")?.textContent === "up"`);
      const accepted = await act(page, master, "switchover", at(other.port));
      assert.deepEqual(accepted.sent, { to: at(other.port) }, "the page sent the chosen target");
      assert.match(accepted.text, /switchover accepted \(HTTP 202\)/);
      await waitForPrimary(page, master, at(other.port));
      await shoot(page, "switchover");
      await shoot(page, "phone", PHONE);
      assert.deepEqual(errors, [], "the page threw");
    } finally {
      await browser.close();
    }
  });
});
