// The agents' REST API (REST-CONTRACT): JSON bodies, problem+json errors, bearer token on
// changes. A refused request is a CliError with the problem's `code` and `detail`; a request
// that never got an answer is an AgentUnreachable, so the caller can try another agent.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { hostname, userInfo } from "node:os";
import { CliError, EXIT, describeError } from "../errors.js";
import { isIndexable } from "./json.js";

export class AgentUnreachable extends Error {
  readonly target: string;
  constructor(target: string, reason: string, options?: { cause?: unknown }) {
    super(`${target}: ${reason}`, options);
    this.target = target;
  }
}

export interface RestOptions {
  readonly base_url: string;
  readonly token: string | null;
  /** For the whole request: connect, send, and read the response. */
  readonly timeout_ms: number;
  /** PEM of the CA that signed an https agent's certificate (`--cacert`); absent: node's roots. */
  readonly ca?: string;
}

export type HttpMethod = "GET" | "PUT" | "PATCH" | "DELETE" | "POST";

export interface Problem {
  readonly code: string;
  readonly detail: string;
  readonly status: number;
}

/** The problem+json body of a refusal, or a stand-in naming the HTTP status. */
export function problemOf(status: number, text: string): Problem {
  try {
    const body: unknown = JSON.parse(text);
    if (isIndexable(body)) {
      const b = body;
      const code = typeof b["code"] === "string" ? b["code"] : `HTTP_${status}`;
      const detail =
        typeof b["detail"] === "string"
          ? b["detail"]
          : typeof b["title"] === "string"
            ? b["title"]
            : text.slice(0, 500);
      return { code, detail, status };
    }
  } catch {
    // not JSON: fall through
  }
  return { code: `HTTP_${status}`, detail: text.trim().slice(0, 500) || `status ${status}`, status };
}

interface Exchange {
  readonly method: HttpMethod;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  readonly timeout_ms: number;
  readonly ca?: string;
}

/**
 * One request through node:http, not fetch: on Node 20 the first fetch() loads undici and
 * compiles its WebAssembly parser, about 0.25 s of CPU and 40 MB, more than a whole `status`
 * otherwise costs. No redirect is followed (a 3xx is a refusal, as `redirect: "error"` was).
 */
function exchange(url: URL, options: Exchange): Promise<{ status: number; text: string }> {
  const https = url.protocol === "https:";
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method,
        headers: options.headers,
        signal: AbortSignal.timeout(options.timeout_ms),
        ...(https && options.ca !== undefined ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body ?? undefined);
  });
}

/**
 * How the CLI names itself to the agents: their audit log records it beside the token's
 * fingerprint, so an operator sees which person on which host ran a change.
 */
export function cliUserAgent(): string {
  let user = "?";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry for this uid (some containers): the host still says something
  }
  return `sentinel-plane-cli (${user}@${hostname()})`;
}

const USER_AGENT = cliUserAgent();

export class RestAgent {
  readonly options: RestOptions;

  constructor(options: RestOptions) {
    this.options = options;
  }

  get label(): string {
    return this.options.base_url;
  }

  url(path: string): string {
    return new URL(path, this.options.base_url).toString();
  }

  /** The decoded JSON body (null for an empty one) of a 2xx answer. */
  async request(method: HttpMethod, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {
      accept: "application/json, application/problem+json",
      "user-agent": USER_AGENT,
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    // Reads too: an agent with read auth on (SP_REST_READ_AUTH) needs the token for them.
    if (this.options.token !== null) headers["authorization"] = `Bearer ${this.options.token}`;
    let status: number;
    let text: string;
    try {
      ({ status, text } = await exchange(new URL(this.url(path)), {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        timeout_ms: this.options.timeout_ms,
        ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
      }));
    } catch (error) {
      throw new AgentUnreachable(this.label, describeError(error), { cause: error });
    }
    if (status < 200 || status > 299) {
      const problem = problemOf(status, text);
      throw new CliError(EXIT.refused, problem.code, `${problem.detail} (HTTP ${problem.status})`);
    }
    if (text.trim() === "") return null;
    try {
      const value: unknown = JSON.parse(text);
      return value;
    } catch {
      throw new CliError(EXIT.refused, "CLI_BAD_RESPONSE", `${method} ${path}: the answer is not JSON`);
    }
  }
}
