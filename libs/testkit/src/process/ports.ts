// Free loopback ports: ask the kernel for one, release it, let the server bind it. Another
// process may take it in between; the starters detect the bind error and retry with a new port.
import { createServer } from "node:net";

export const LOOPBACK = "127.0.0.1";
export const BIND_ATTEMPTS_MAX = 5;

/** Ports a test must never take (the product's and its dependencies' well-known ports). */
const RESERVED = new Set([4222, 6379, 26379, 8222, 6222]);

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
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
    if (port > 0 && !RESERVED.has(port)) return port;
  }
  throw new Error("no free loopback port found");
}
