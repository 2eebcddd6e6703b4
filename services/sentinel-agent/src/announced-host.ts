// Which host the Sentinel API shows for an instance (sentinel.c announceSentinelAddr): the name it
// was given when `announce-hostnames` is yes, else its IP address. Sentinel resolves a hostname
// once, when it creates the address; the agent keeps instances by the name it was given and asks
// the probe link which address that name reached (the socket's remote address).
import { isIP } from "node:net";

export function announcedHost(
  host: string,
  announce_hostnames: boolean,
  resolved_ip: (host: string) => string | null,
): string {
  if (announce_hostnames || isIP(host) !== 0) return host;
  return resolved_ip(host) ?? host;
}
