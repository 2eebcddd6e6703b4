// Redis endpoints as the rules compare and key them: one definition for the core, the data-node's
// and the vip-manager's rules, and the services (issue 19: seven copies had grown).
import type { Address } from "./types.js";

/** `host:port`, the key of a node in maps and the form the APIs write. */
export function addressKey(address: Address): string {
  return `${address.host}:${address.port}`;
}

export function sameAddress(a: Address, b: Address): boolean {
  return a.host === b.host && a.port === b.port;
}
