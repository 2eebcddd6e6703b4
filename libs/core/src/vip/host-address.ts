// The Redis endpoints that live on this host, parsed from what operators write (the vip-manager's
// config parses `10.77.0.11:6379`, `10.77.0.11`, `[fd00::1]:6379`): a port matters when several
// hosts announce one shared address (NAT, containers).

export interface HostAddress {
  readonly host: string;
  /** null: any port. */
  readonly port: number | null;
}

/** Does any of this host's entries name the endpoint? */
export function hostHasEndpoint(
  entries: readonly HostAddress[],
  endpoint: { readonly host: string; readonly port: number },
): boolean {
  return entries.some(
    (entry) => entry.host === endpoint.host && (entry.port === null || entry.port === endpoint.port),
  );
}
