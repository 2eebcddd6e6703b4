// Container health checks without curl or redis-cli in the image:
//   healthcheck.mjs resp <host> <port>   a RESP PING answered +PONG, or -NOAUTH by a port with a
//                                        password (an agent's Sentinel port, Redis): it answers
//   healthcheck.mjs http <url>           a 2xx answer (an agent's REST /readyz)
// Exit 0 healthy, 1 not; everything bounded by TIMEOUT_MS.
import { connect } from "node:net";

const TIMEOUT_MS = 2000;
const [kind, a, b] = process.argv.slice(2);

function resp(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: TIMEOUT_MS });
    let reply = "";
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) {
        socket.destroy();
        resolve(reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"));
      }
    });
    socket.on("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", () => resolve(false));
  });
}

async function http(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return response.ok;
  } catch {
    return false;
  }
}

const healthy = kind === "resp" ? await resp(a, b) : kind === "http" ? await http(a) : false;
process.exit(healthy ? 0 : 1);
