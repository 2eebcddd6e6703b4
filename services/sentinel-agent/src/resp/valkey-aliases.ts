// Valkey 8/9 spell some SENTINEL subcommands with "primary" where Redis says "master"
// (GET-PRIMARY-ADDR-BY-NAME, PRIMARIES, PRIMARY), and Valkey 9 adds `SENTINEL FAILOVER <name>
// COORDINATED` for its zero-loss failover. Clients and tools written for Valkey send them; they are
// rewritten to Redis Sentinel 7's spelling before dispatch, so they behave exactly as those (and
// COMMAND keeps listing Redis's table). The agent's manual failover is already coordinated: the old
// primary is fenced and the replica catches up before it is promoted.
const SENTINEL_ALIASES: ReadonlyMap<string, string> = new Map([
  ["get-primary-addr-by-name", "get-master-addr-by-name"],
  ["primaries", "masters"],
  ["primary", "master"],
]);

/** argv in Redis Sentinel's spelling (the same array when nothing is rewritten). */
export function canonicalArgv(argv: readonly string[]): readonly string[] {
  if ((argv[0] ?? "").toLowerCase() !== "sentinel" || argv.length < 2) return argv;
  const sub = (argv[1] ?? "").toLowerCase();
  const alias = SENTINEL_ALIASES.get(sub);
  if (alias !== undefined) return [argv[0] ?? "", alias, ...argv.slice(2)];
  if (sub === "failover" && argv.length === 4 && (argv[3] ?? "").toLowerCase() === "coordinated") {
    return argv.slice(0, 3);
  }
  return argv;
}
