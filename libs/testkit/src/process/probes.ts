// Protocol-level readiness checks with raw sockets: a Redis PING (after AUTH when needed, over TLS
// for a TLS-only server) must answer +PONG; a NATS server must greet with its INFO line. Each is
// one bounded attempt.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { LOOPBACK } from "./ports.js";

/** A TLS-only server's files (makeThrowawayCerts): the CA, and the certificate the client presents. */
export interface ProbeTlsFiles {
  readonly ca_file: string;
  readonly cert_file: string;
  readonly key_file: string;
}

function resp(parts: readonly string[]): string {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`;
}

/** Sends `payload` and resolves with what arrived once `complete(received)` holds. */
function exchange(
  port: number,
  payload: string,
  complete: (received: string) => boolean,
  timeout_ms: number,
  tls: ProbeTlsFiles | null = null,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket =
      tls === null
        ? connect({ host: LOOPBACK, port })
        : connectTls({
            host: LOOPBACK,
            port,
            ca: readFileSync(tls.ca_file),
            cert: readFileSync(tls.cert_file),
            key: readFileSync(tls.key_file),
          });
    let received = "";
    const finish = (error: Error | null): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error === null) resolve(received);
      else reject(error);
    };
    const timer = setTimeout(() => {
      finish(new Error(`no answer on port ${port} within ${timeout_ms} ms`));
    }, timeout_ms);
    socket.setEncoding("utf8");
    socket.on(tls === null ? "connect" : "secureConnect", () => {
      if (payload !== "") socket.write(payload);
    });
    socket.on("data", (chunk: string) => {
      received += chunk;
      if (complete(received)) finish(null);
    });
    socket.on("error", (error) => {
      finish(error);
    });
    socket.on("close", () => {
      finish(new Error(`port ${port} closed the connection: ${JSON.stringify(received)}`));
    });
  });
}

export async function redisPing(
  port: number,
  auth: { readonly user?: string; readonly password?: string },
  timeout_ms: number,
  tls: ProbeTlsFiles | null = null,
): Promise<void> {
  let payload = "";
  let replies = 1;
  if (auth.password !== undefined) {
    payload += resp(auth.user === undefined ? ["AUTH", auth.password] : ["AUTH", auth.user, auth.password]);
    replies++;
  }
  payload += resp(["PING"]);
  const received = await exchange(port, payload, (r) => r.split("\r\n").length > replies, timeout_ms, tls);
  if (!received.split("\r\n").includes("+PONG"))
    throw new Error(`redis on ${port} answered ${JSON.stringify(received)}`);
}

export async function natsGreeting(port: number, timeout_ms: number): Promise<void> {
  const received = await exchange(port, "", (r) => r.includes("\r\n"), timeout_ms);
  if (!received.startsWith("INFO ")) throw new Error(`nats on ${port} greeted ${JSON.stringify(received)}`);
}
