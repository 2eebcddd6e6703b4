// The argument vectors Redis Sentinel gives its scripts, so scripts written for it work unchanged.
import assert from "node:assert/strict";

export type ReconfigRole = "leader" | "observer";

export interface ClientReconfigCall {
  readonly master_name: string;
  /** `leader` on the agent that led the failover, `observer` elsewhere. */
  readonly role: ReconfigRole;
  /** Sentinel always passes `start`. */
  readonly state: "start";
  readonly from: { readonly host: string; readonly port: number };
  readonly to: { readonly host: string; readonly port: number };
}

/** `<path> <master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>` */
export function clientReconfigArgv(script_path: string, call: ClientReconfigCall): readonly string[] {
  assertScriptPath(script_path);
  return [
    script_path,
    call.master_name,
    call.role,
    call.state,
    call.from.host,
    String(call.from.port),
    call.to.host,
    String(call.to.port),
  ];
}

export interface PrePromoteCall {
  readonly master_name: string;
  readonly from: { readonly host: string; readonly port: number };
  readonly to: { readonly host: string; readonly port: number };
}

/**
 * `<path> <master-name> leader pre-promote <from-ip> <from-port> <to-ip> <to-port>`: the
 * client-reconfig-script order (only the leader runs it; state `pre-promote`), so a script written
 * for Sentinel's reconfig hook can tell the call apart by its third argument and be reused.
 */
export function prePromoteArgv(script_path: string, call: PrePromoteCall): readonly string[] {
  assertScriptPath(script_path);
  return [
    script_path,
    call.master_name,
    "leader",
    "pre-promote",
    call.from.host,
    String(call.from.port),
    call.to.host,
    String(call.to.port),
  ];
}

/** `<path> <event-type> <description>`, for warning-level events, as sentinelEvent does. */
export function notificationArgv(
  script_path: string,
  event_type: string,
  description: string,
): readonly string[] {
  assertScriptPath(script_path);
  return [script_path, event_type, description];
}

function assertScriptPath(script_path: string): void {
  // Sentinel execve()s the path as configured: no PATH lookup, so it must be absolute.
  assert.ok(script_path.startsWith("/"), `script path must be absolute: ${script_path}`);
}
