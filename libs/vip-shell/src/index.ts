// Public surface of the vip-manager's shell: its one loop and the ports it works through. The
// vip-manager runs it over ip/arping, the NATS KV and Node's timers; the simulator (libs/testkit
// sim) over in-memory ports, so both run the same loop (lease, reads and watch, probe before bind,
// release, hooks).
export { VipManager } from "./loop.js";
export type { VipManagerOptions, VipManagerSettings, VipManagerSnapshot } from "./loop.js";
export { nodeTimers } from "@sentinel-plane/runtime";
export type { HookPort, Timers, TopologyPort, TopologyRead, VipPort, VipProbe } from "./ports.js";
export type { VipConfig } from "./vip-config.js";
export { assertVipConfig } from "./vip-config.js";
export type { VipCommandFailure, VipErrorCode } from "./vip-error.js";
export { VipError } from "./vip-error.js";
export type { Endpoint, FollowResult, MasterView, Observation, ObservedRecord } from "./follower.js";
export { observeRecord, sameEndpoint } from "./follower.js";
export { parseHostAddress } from "./host-address.js";
