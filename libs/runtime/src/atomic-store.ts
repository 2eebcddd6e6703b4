// Durable state files: write a temp file in the same directory, fsync it, rename it over the
// target, fsync the directory. A crash leaves either the old or the new file, never a torn one.
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { err, ok, spError } from "@sentinel-plane/protocol";
import type { Result } from "@sentinel-plane/protocol";

let tempCounter = 0;

export async function writeFileAtomic(path: string, contents: string): Promise<Result<void>> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const file = await open(temp, "w", 0o600);
    try {
      await file.writeFile(contents, "utf8");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    const dirHandle = await open(dir, "r");
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    return ok(undefined);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    const reason = cause instanceof Error ? cause.message : String(cause);
    return err(spError("SP_ERR_STATE_PERSIST_FAILED", [path, reason], cause));
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<Result<void>> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reads a JSON state file. `value: null` when the file does not exist (first start); a file that
 * is not JSON or that `check` refuses is SP_ERR_STATE_CORRUPT (never silently replaced).
 */
export async function readJsonFile<T>(
  path: string,
  check: (value: unknown) => Result<T, string>,
): Promise<Result<T | null>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    if (cause instanceof Error && "code" in cause && cause.code === "ENOENT") return ok(null);
    const reason = cause instanceof Error ? cause.message : String(cause);
    return err(spError("SP_ERR_STATE_CORRUPT", [path, `unreadable: ${reason}`], cause));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return err(spError("SP_ERR_STATE_CORRUPT", [path, `not JSON: ${reason}`], cause));
  }
  const checked = check(parsed);
  if (!checked.ok) return err(spError("SP_ERR_STATE_CORRUPT", [path, checked.error]));
  return ok(checked.value);
}
