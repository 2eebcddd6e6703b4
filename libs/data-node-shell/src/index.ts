// Public surface of the data-node's shell: its lease and self-fence loop and the ports it works
// through. The data-node runs it over NATS, HTTP, ioredis and Node's timers; the simulator (libs/
// testkit sim) over in-memory ports, so both run the same lease and self-fence code.
export { DataNodeLoop } from "./loop.js";
export type { DataNodeLoopOptions } from "./loop.js";
export { nodeClock, nodeTimers } from "./ports.js";
export type {
  Clock,
  DataNodePorts,
  DirectLeaseChannel,
  LeaseBus,
  LoopCounters,
  LoopLogger,
  Observed,
  RedisFence,
  StatusSink,
  Timers,
  WatchdogPipe,
  WatchdogServer,
} from "./ports.js";
