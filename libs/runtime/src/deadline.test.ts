import assert from "node:assert/strict";
import { once } from "node:events";
import { createConnection, createServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { test } from "node:test";
import { withDeadline } from "./deadline.js";

const timedOut = (): Error => new Error("timed out");

/** Blocks this process's event loop, as a busy start or a long GC does. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* busy */
  }
}

void test("a reply that arrived during a stall of this process is not a timeout", async (t) => {
  // The server answers, then this process stalls past the deadline: the reply is in the client's
  // socket when the loop comes back, and the due timer runs first.
  const server = createServer((socket) => {
    socket.on("data", () => {
      socket.write("PONG");
      stall(100);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const client: Socket = createConnection((server.address() as AddressInfo).port, "127.0.0.1");
  t.after(() => {
    client.destroy();
    server.close();
  });
  await once(client, "connect");
  const reply = once(client, "data").then(([chunk]: unknown[]) => String(chunk));
  const answered = withDeadline(reply, 10, timedOut);
  client.write("PING");
  assert.equal(await answered, "PONG");
});

void test("no reply at all is a timeout", async () => {
  const never = new Promise<string>(() => undefined);
  await assert.rejects(withDeadline(never, 10, timedOut), { message: "timed out" });
});

void test("a failure before the deadline passes through", async () => {
  await assert.rejects(withDeadline(Promise.reject(new Error("ECONNREFUSED")), 1000, timedOut), {
    message: "ECONNREFUSED",
  });
});
