// Ending a script: SIGKILL to its whole process group (scripts run detached, in a group of their
// own), so a timeout also reaches what the script started (`sleep`, `ssh`, `ipmitool` ...).
import type { ChildProcess } from "node:child_process";

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch (error) {
    // ESRCH: the group is already gone; its exit event is on its way.
    if (!(error instanceof Error && "code" in error && error.code === "ESRCH")) throw error;
  }
}
