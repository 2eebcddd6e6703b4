import { runSeed } from "./run.js";
for (let seed = 0; seed < 1000; seed++) {
  const r = runSeed({ seed, keep_log: true });
  const t = r.log.filter((l) => /catchup-timeout|fence-failed/.test(l));
  if (t.length) console.log(seed, t.length, t[0]);
}
