// Public surface of the Sentinel-protocol port: the server and the view it needs from the agent.
export { RespServer, RESP_LIMITS_DEFAULT, respUsers } from "./server.js";
export { SHUTDOWN_FAILED } from "./shutdown-command.js";
export type { RespLimits, RespServerOptions } from "./server.js";
export type { CloseReason } from "./connection.js";
export type * from "./view.js";
