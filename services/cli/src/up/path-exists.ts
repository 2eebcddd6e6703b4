// Whether a path exists, in a module of its own: `status` and the other reading commands check for
// the local cluster's TLS files with it, and must not load what writing the cluster's files needs
// (files.ts: the runtime and protocol packages).
import { access } from "node:fs/promises";

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
