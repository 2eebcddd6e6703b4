// Free loopback ports: ask the kernel for one, release it, let the server bind it. Another
// process may take it in between; the starters detect the bind error and retry with a new port.
import { createServer } from "node:net";

export const LOOPBACK = "127.0.0.1";
export const BIND_ATTEMPTS_MAX = 5;

/** Ports a test must never take (the product's and its dependencies' well-known ports). */
const RESERVED = new Set([4222, 6379, 26379, 8222, 6222]);

/**
 * Ports this process handed out recently, never handed out again. A released port is free for
 * the kernel, which may return it to the next `listen(0)`: a cluster that prepares all its Redis
 * configs before starting any server got the same port for two of them (seen in a test run).
 */
const handed_out = new Set<number>();
const HANDED_OUT_MAX = 4096;

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, LOOPBACK, () => {
        const address = server.address();
        const value = typeof address === "object" && address !== null ? address.port : 0;
        server.close(() => {
          resolve(value);
        });
      });
    });
    if (port > 0 && !RESERVED.has(port) && !handed_out.has(port)) {
      remember(port);
      return port;
    }
  }
  throw new Error("no free loopback port found");
}

function remember(port: number): void {
  handed_out.add(port);
  if (handed_out.size <= HANDED_OUT_MAX) return;
  const oldest = handed_out.values().next();
  if (oldest.done !== true) handed_out.delete(oldest.value);
}
