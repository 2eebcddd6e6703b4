// Public surface of the data-node's shell: its lease and self-fence loop, its command path (an
// agent's promote, replicaof, fence, unfence) and the queue it runs in (CommandQueue), its probes
// and what each observation feeds (ProbeSchedule), its self-healing restarter, its status report
// and command replies (StatusReporter) and the ports they work through. The data-node runs
// them over NATS, HTTP, ioredis and Node's timers; the simulator (libs/testkit sim) over in-memory
// ports, so both run the same lease, self-fence, command and report code.
export { DataNodeLoop } from "./loop.js";
export { DataNodeCommands } from "./commands.js";
export { CommandQueue } from "./command-queue.js";
export { ProbeSchedule } from "./probe-schedule.js";
export type { ProbeScheduleParts } from "./probe-schedule.js";
export { releaseHeld } from "./held-release.js";
export type { HeldReleaseParts } from "./held-release.js";
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
