// The web console at /ui: one page, its stylesheet and its script, served by every agent from
// files beside this one (no build step, nothing fetched from elsewhere at run time). The page
// holds no data: it reads the REST API and its event stream from the browser, with the same auth
// as any client (reads open or with a token, changes with the bearer token). The routes are
// hidden from the OpenAPI document: they are not part of the API.
import { readFile } from "node:fs/promises";
import type { FastifyPluginAsync } from "fastify";

interface Asset {
  readonly path: string;
  readonly file: string;
  readonly type: string;
}

export const CONSOLE_ASSETS: readonly Asset[] = [
  { path: "/ui", file: "index.html", type: "text/html; charset=utf-8" },
  { path: "/ui/console.js", file: "console.js", type: "text/javascript; charset=utf-8" },
  { path: "/ui/console.css", file: "console.css", type: "text/css; charset=utf-8" },
];

/** Same-origin only: the page can load nothing and call nothing but this agent. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const consoleRoutes: FastifyPluginAsync = async (app) => {
  const dir = new URL("./assets/", import.meta.url);
  // Read once at start: a missing file fails the agent's REST start, not a later request.
  const bodies = await Promise.all(CONSOLE_ASSETS.map((a) => readFile(new URL(a.file, dir))));
  for (const [i, asset] of CONSOLE_ASSETS.entries()) {
    const body = bodies[i];
    if (body === undefined) throw new Error(`console asset ${asset.file} not read`);
    app.get(asset.path, { schema: { hide: true } }, (_request, reply) =>
      reply
        .header("content-type", asset.type)
        .header("cache-control", "no-cache")
        .header("content-security-policy", CONSOLE_CSP)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .send(body),
    );
  }
  // `/` is where people look first; the console is the page for people.
  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.redirect("/ui", 302));
};
