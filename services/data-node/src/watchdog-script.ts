// The Redis watchdog's program (libs/core data-node watchdog.ts has the rule and the protocol; this
// is that rule in bash). Run as `bash -c WATCHDOG_SCRIPT sp-redis-watchdog <redis pid> <its start
// time>`, fd 3 the pipe from the data-node.
//
// Why bash and not node: one per redis-server, running for as long as it does, and it must outlive
// the data-node: a second node process would cost about 40-50 MB of RSS and some 50 ms of start-up
// per restart of the server, where bash costs about 3-4 MB and starts in a few ms; bash is Debian
// essential (always installed); and the rule is twenty lines. A C helper would be smaller still,
// but would need a compiler at install time. Why no library: what exists is either the Linux
// watchdog device (/dev/watchdog, softdog: it resets the whole machine, needs root and a kernel
// module, and one per host, not per server: Patroni's choice, too coarse for several servers per
// host), systemd's WatchdogSec (restarts the unit that stops pinging, but redis-server must not be
// in the data-node's unit: it outlives it by design) or process supervisors (runit, s6, supervisord:
// they restart what exits, and none kills a process because another one stopped talking). None
// kills process A when process B stops feeding it, which is the whole job.
//
// Clock: /proc/uptime (monotonic since boot, 10 ms steps, never the wall clock), in centiseconds;
// the deadline is rounded down, so the kill may come up to 10 ms early, never late. An `arm` names
// its deadline on that clock (the data-node reads it too), so an arm read late, the watchdog
// starved of CPU, still holds when the lease it names does; past the deadline, the lines already
// waiting are read before the kill (`read -t 0`); any other line read at or after the deadline
// kills. `read -t` waits
// on the pipe with a timeout (select(2), monotonic). The start time (field 22 of /proc/<pid>/stat)
// is checked before the kill, so a pid reused by another process is never killed.
// Signals: HUP, INT and PIPE are ignored (a terminal's or a closed log pipe's, not an operator's);
// TERM ends it as usual.
// The orphan fence (core watchdog.ts): the arguments after the start time are the fence's command
// line (orphan-fence.ts); at the pipe's end while armed it runs once, under `timeout -s KILL` with
// what is left of the deadline, and counts only as "OK" read before the deadline. No command line:
// no fence, the kill at the deadline as before.

/** argv[0] of the watchdog (its $0): how its command line is recognised (watchdog.ts). */
export const WATCHDOG_NAME = "sp-redis-watchdog";

export const WATCHDOG_SCRIPT = `
trap '' HUP INT PIPE
pid=$1 start=$2 deadline= eof=0 now=0 partial=
fence=("\${@:3}")
log() { printf '%s\\n' "$*" >&2; }
now_cs() { local up rest; read -r up rest < /proc/uptime; up=\${up/./}; now=$((10#$up)); }
same_process() {
  local stat; local -a f
  read -r stat < "/proc/$pid/stat" 2>/dev/null || return 1
  stat=\${stat##*) }
  read -r -a f <<< "$stat"
  [[ \${f[19]} == "$start" && \${f[0]} != Z && \${f[0]} != X ]]
}
kill_server() {
  if same_process; then
    kill -KILL "$pid" && log "killed redis-server $pid: armed and no arm or disarm by the deadline"
  fi
  exit 0
}
orphan_fence() {
  local left out
  ((\${#fence[@]})) || { log "no fence command: killing at the deadline"; return 1; }
  same_process || exit 0
  now_cs
  left=$((deadline - now))
  ((left > 0)) || return 1
  printf -v secs '%d.%02d' $((left / 100)) $((left % 100))
  out=$(timeout -s KILL "$secs" "\${fence[@]}" 2>&1 < /dev/null)
  now_cs
  if ((now < deadline)) && [[ $out == OK ]]; then return 0; fi
  log "orphan fence of redis-server $pid failed (\${out:-no answer}): killing at the deadline"
  return 1
}
while :; do
  if [[ -n $deadline ]]; then
    now_cs
    left=$((deadline - now))
    if ((left <= 0)); then
      # A line written on time may wait unread (this process starved): it is read first.
      if ((eof)) || ! read -t 0 -u 3; then kill_server; fi
      left=1
    fi
    if ((eof)); then
      same_process || exit 0
      ((left > 10)) && left=10
      printf -v secs '%d.%02d' $((left / 100)) $((left % 100))
      sleep "$secs"
      continue
    fi
    printf -v secs '%d.%02d' $((left / 100)) $((left % 100))
    IFS= read -r -t "$secs" -u 3 line
    rc=$?
  else
    ((eof)) && exit 0
    IFS= read -r -u 3 line
    rc=$?
  fi
  # Timed out mid-line (the timeout can fire while this process is stopped or starved, between
  # two characters): what was read is kept for the rest of that line.
  if ((rc > 128)); then partial+=$line; continue; fi
  if ((rc != 0)); then
    eof=1
    if [[ -n $deadline ]] && orphan_fence; then
      log "fenced redis-server $pid: its data-node is gone while it could take writes"
      exit 0
    fi
    continue
  fi
  line=$partial$line partial=
  cmd=\${line%% *} arg=
  [[ $line == *" "* ]] && arg=\${line#* }
  now_cs
  if [[ $cmd == arm && $arg =~ ^[0-9]+$ ]]; then
    deadline=$((10#$arg)) # over already: killed at the loop's top unless another line waits
    continue
  fi
  if [[ -n $deadline ]] && ((now >= deadline)); then kill_server; fi
  case $cmd in
    arm) log "bad arm: $arg" ;;
    disarm) deadline= ;;
    detach) exit 0 ;;
    *) log "unknown line: $cmd" ;;
  esac
done
`;
