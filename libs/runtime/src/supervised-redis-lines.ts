// The redis.conf lines of a redis-server that runs as a child of ours on loopback (the data-nodes
// of `sentinel-plane up`, the test harness's servers): in the foreground with its log on stdout,
// which its parent keeps; protected mode off, the loopback bind being the guard; and a replica's
// first sync streamed at once (diskless, no delay: Redis would wait 5 s for more replicas).
export function supervisedRedisServerLines(): string[] {
  return [
    "repl-diskless-sync yes",
    "repl-diskless-sync-delay 0",
    "protected-mode no",
    "daemonize no",
    `logfile ""`,
    "loglevel notice",
  ];
}
