// The Redis endpoints that live on this host, as operators write them: `10.77.0.11:6379` (that
// endpoint only), `10.77.0.11` (any port on that address), `[fd00::1]:6379` for IPv6 with a port.
// Parsed here, in the shell (it validates with node:net); the rule that matches them against the
// committed primary is pure, in libs/core/src/vip (host-address.ts, desired-state.ts).
import { isIP } from "node:net";
import type { HostAddress } from "@sentinel-plane/core/vip";

/** null when the text is none of the accepted forms. */
export function parseHostAddress(text: string): HostAddress | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed !== null) {
    const host = bracketed[1] ?? "";
    if (isIP(host) !== 6) return null;
    return withPort(host, bracketed[2]);
  }
  const colons = text.split(":").length - 1;
  if (colons >= 2) return isIP(text) === 6 ? { host: text, port: null } : null;
  const [host = "", port] = text.split(":");
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(host)) return null;
  return withPort(host, port);
}

function withPort(host: string, port: string | undefined): HostAddress | null {
  if (port === undefined) return { host, port: null };
  const value = Number(port);
  if (!/^\d{1,5}$/.test(port) || value < 1 || value > 65535) return null;
  return { host, port: value };
}
