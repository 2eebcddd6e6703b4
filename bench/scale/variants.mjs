// Agent variants against the same primaries, one after the other (the README's "side harness",
// "Agent memory"): N redis-servers, one nats-server and one redis-sentinel stay up; each variant
// starts a compiled agent (its own bundle and node options), waits WARM s, samples its RSS once a
// second for WINDOW s, prints RSS median/max, RssAnon, CPU %, Sentinel's, and how many masters the
// agent reports healthy (flags exactly "master"). Lighter than bench/scale (no ready check, no
// results file): for choosing what bench/scale then measures. Run it under the heavy lock:
//   N=200 WINDOW=30 WARM=40 VARIANTS='[[], ["--max-semi-space-size=2"],
//     ["BUNDLE:/path/to/other/main.js"], ["--import=./preload.mjs", "ENV:NAME=value"]]' \
//     node bench/scale/variants.mjs
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
const N = Number(process.env.N ?? 200),
  WINDOW = Number(process.env.WINDOW ?? 30),
  WARM = Number(process.env.WARM ?? 15);
const variants = JSON.parse(process.env.VARIANTS ?? "[[]]");
const BUNDLE =
  process.env.BUNDLE ?? new URL("../../services/sentinel-agent/dist/main.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "sp-variants-"));
const children = [];
const freePort = () =>
  new Promise((r) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const status = (pid) => {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const g = (k) => Number(s.match(new RegExp(k + ":\\s+(\\d+)"))[1]) / 1024;
  return { rss: g("VmRSS"), anon: g("RssAnon"), file: g("RssFile") };
};
const cpu = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};
// Every process this script started, by PID (ChildProcess.kill), and only those.
const cleanup = () => {
  for (const c of children) c.kill("SIGKILL");
};
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(1));
const ports = [];
for (let i = 0; i < N; i++) {
  const p = await freePort();
  ports.push(p);
  children.push(
    spawn(
      "redis-server",
      [
        "--port",
        String(p),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory",
        "8mb",
        "--daemonize",
        "no",
        "--dir",
        dir,
        "--logfile",
        "",
      ],
      { stdio: "ignore" },
    ),
  );
}
const natsPort = await freePort();
children.push(
  spawn("nats-server", ["-a", "127.0.0.1", "-p", String(natsPort), "-js", "-sd", dir + "/js"], {
    stdio: "ignore",
  }),
);
await sleep(3000);
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
// redis-sentinel too, same masters
const sport = await freePort();
writeFileSync(
  dir + "/s.conf",
  [
    `port ${sport}`,
    `bind 127.0.0.1`,
    ...ports.flatMap((p, i) => [
      `sentinel monitor m${i} 127.0.0.1 ${p} 1`,
      `sentinel down-after-milliseconds m${i} 30000`,
      `sentinel failover-timeout m${i} 180000`,
    ]),
  ].join("\n") + "\n",
);
const sent = spawn("redis-sentinel", [dir + "/s.conf"], { stdio: "ignore" });
children.push(sent);
let k = 0;
for (const args of variants) {
  const adir = `${dir}/a${k++}`;
  execFileSync("mkdir", ["-p", adir]);
  const aport = await freePort();
  const conf = [
    `port ${aport}`,
    `bind 127.0.0.1`,
    `sentinel announce-ip 127.0.0.1`,
    ...ports.flatMap((p, i) => [
      `sentinel monitor m${i} 127.0.0.1 ${p} 1`,
      `sentinel down-after-milliseconds m${i} 30000`,
      `sentinel failover-timeout m${i} 180000`,
    ]),
    `sentinel-plane nats-servers nats://127.0.0.1:${natsPort}`,
    `sentinel-plane cluster-id diag-${k}-${process.pid}`,
    `sentinel-plane state-dir ${adir}`,
    `sentinel-plane rest-port ${await freePort()}`,
    `sentinel-plane rest-token diag-token-0123456789abcdef`,
  ];
  writeFileSync(adir + "/sentinel.conf", conf.join("\n") + "\n");
  const envx = args.filter((a) => a.startsWith("ENV:")).map((a) => a.slice(4).split("="));
  const nargs = args.filter((a) => !a.startsWith("ENV:") && !a.startsWith("BUNDLE:"));
  const bundle = args.find((a) => a.startsWith("BUNDLE:"))?.slice(7) ?? BUNDLE;
  const a = spawn(process.execPath, [...nargs, bundle, adir + "/sentinel.conf"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, SP_LOG_LEVEL: "warn", ...Object.fromEntries(envx) },
  });
  children.push(a);
  await sleep(WARM * 1000);
  const c0 = cpu(a.pid),
    s0 = cpu(sent.pid),
    t0 = performance.now();
  const rs = [],
    an = [];
  for (let s = 0; s < WINDOW; s++) {
    await sleep(1000);
    const m = status(a.pid);
    rs.push(m.rss);
    an.push(m.anon);
  }
  const el = (performance.now() - t0) / 1000;
  const end = status(a.pid);
  const ss = status(sent.pid);
  const cpuA = ((cpu(a.pid) - c0) / el) * 100,
    cpuS = ((cpu(sent.pid) - s0) / el) * 100;
  await sleep(300);
  console.log(
    `${JSON.stringify(args)}: rss med ${median(rs).toFixed(1)} max ${Math.max(...rs).toFixed(1)} anon med ${median(an).toFixed(1)} file ${end.file.toFixed(1)} cpu ${cpuA.toFixed(2)}% | sentinel rss ${ss.rss.toFixed(1)} cpu ${cpuS.toFixed(2)}%`,
  );
  try {
    const out = execFileSync("redis-cli", ["-p", String(aport), "sentinel", "masters"])
      .toString()
      .split("\n");
    let ok = 0,
      down = 0;
    for (let i = 0; i < out.length; i++)
      if (out[i] === "flags") {
        if (out[i + 1] === "master") ok++;
        else down++;
      }
    console.log(`   healthy ${ok} down ${down}`);
  } catch (e) {
    console.log("   masters query failed", String(e));
  }
  a.kill("SIGKILL");
  await sleep(500);
}
cleanup();
