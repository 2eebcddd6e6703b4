import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readJsonFile, writeJsonAtomic } from "./atomic-store.js";

const isEpoch = (value: unknown) =>
  typeof value === "object" && value !== null && "epoch" in value && typeof value.epoch === "number"
    ? { ok: true as const, value: { epoch: value.epoch } }
    : { ok: false as const, error: "/epoch: must be a number" };

void test("atomic writes replace the file and leave no temp file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-store-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "sub", "state.json");
  assert.deepEqual(await readJsonFile(path, isEpoch), { ok: true, value: null });
  assert.deepEqual(await writeJsonAtomic(path, { epoch: 1 }), { ok: true, value: undefined });
  assert.deepEqual(await writeJsonAtomic(path, { epoch: 2 }), { ok: true, value: undefined });
  assert.deepEqual(await readJsonFile(path, isEpoch), { ok: true, value: { epoch: 2 } });
  assert.deepEqual(await readdir(join(dir, "sub")), ["state.json"]);
});

void test("a corrupt or invalid file is a coded error", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-store-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "state.json");
  await writeFile(path, "{torn");
  const torn = await readJsonFile(path, isEpoch);
  assert.equal(torn.ok, false);
  assert.equal(torn.error.code, "SP_ERR_STATE_CORRUPT");
  await writeFile(path, '{"epoch":"x"}');
  const invalid = await readJsonFile(path, isEpoch);
  assert.equal(invalid.ok, false);
  assert.match(invalid.error.message, /\/epoch: must be a number/);
});

void test("a write into an impossible place is a coded error", async () => {
  const result = await writeJsonAtomic("/proc/version/x/state.json", { epoch: 1 });
  assert.equal(result.ok, false);
  assert.equal(result.error.code, "SP_ERR_STATE_PERSIST_FAILED");
});
