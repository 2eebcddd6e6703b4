// `host:port` as the API writes addresses (query strings, switchover targets). The last colon
// separates the port, so IPv6 hosts (`::1:6379`, `[::1]:6379`) work too.
import type { Address } from "@sentinel-plane/core";

/** null when the text is not `host:port` with a port in 1..65535. */
export function parseHostPort(text: string): Address | null {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return null;
  let host = text.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port_text = text.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(port_text) || host === "" || /\s/.test(host)) return null;
  const port = Number(port_text);
  if (port < 1 || port > 65_535) return null;
  return { host, port };
}
