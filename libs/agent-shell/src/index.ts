// Public surface of the agent's shell: its one loop and the ports it carries effects out through.
// The agent runs it over NATS, ioredis and files; the simulator (libs/testkit sim) over in-memory
// ports, so both run the same rules (persist before send, one wake timer, the effects' dispatch).
export { AgentLoop, adminReplyOf } from "./loop.js";
export type { AdminReply, AgentLoopOptions, LoopHealth } from "./loop.js";
export { nodeTimers } from "./ports.js";
export type {
  AgentPorts,
  CommitOutcome,
  EventSink,
  LeaseGrants,
  NodeCommander,
  OperatorOutcome,
  PeerTransport,
  PrePromoteHook,
  Prober,
  ReconfigHooks,
  StateStore,
  Timers,
  TopologyStore,
} from "./ports.js";
