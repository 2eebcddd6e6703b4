// Public surface of the data-node's shell: its lease and self-fence loop, its command path (an
// agent's promote, replicaof, fence, unfence), its self-healing restarter, its status report and
// command replies (StatusReporter) and the ports they work through. The data-node runs
// them over NATS, HTTP, ioredis and Node's timers; the simulator (libs/testkit sim) over in-memory
// ports, so both run the same lease, self-fence, command and report code.
export { DataNodeLoop } from "./loop.js";
export { DataNodeCommands } from "./commands.js";
export { Restarter } from "./restarter.js";
export type { RestartObservation, RestarterHost, RestarterOptions, RestartPhase } from "./restarter.js";
export type {
  CommandOptions,
  CommandOutcome,
  CommandPorts,
  CommandRequest,
  CommandStatus,
  EpochStore,
  PromoteFence,
  ServerCommand,
  ServerRole,
  StrictHooks,
} from "./commands.js";
export type { DataNodeLoopOptions } from "./loop.js";
export { StatusReporter } from "./status-reporter.js";
export type {
  Healing,
  OperatorCommand,
  ReportSink,
  StatusReporterOptions,
  StatusReporterPorts,
  WallClock,
} from "./status-reporter.js";
export { observedOf } from "./report.js";
export type { ChildState, Observation } from "./report.js";
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
