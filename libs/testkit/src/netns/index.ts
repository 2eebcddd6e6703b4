export type { CommandResult, NetnsErrorCode } from "./command.js";
export { NetnsError, runChecked, runCommand } from "./command.js";
export type { NetnsLabOptions, NetnsNode, TeardownReport } from "./lab.js";
export { NetnsLab, createNetnsLab, listNetns } from "./lab.js";
export { NAME_MAX_CHARS, bridgeNetnsName, nodeNetnsName, uniqueLabPrefix } from "./names.js";
export type { ProcessExit } from "./process.js";
export { LabProcess } from "./process.js";
export type { TcpProbeTarget } from "./tcp.js";
export { probeTcp, tcpProbeArgv, tcpReplyServerArgv, waitForTcpReply } from "./tcp.js";
