export type { AclCommand } from "./categories.js";
export { CATEGORIES, categoryMembers, isCategory } from "./categories.js";
export type { AclUser } from "./user.js";
export { applyRule, applyRules, describeRules, newUser, passwordHash, userCanRun } from "./user.js";
export type { AclUserLine, AclWriteResult } from "./users.js";
export { AclUsers, DEFAULT_USER, userNameProblem } from "./users.js";
export { userRole } from "./role.js";
export type { AclDenial, AclLogEntry } from "./acl-log.js";
export { AclLog, ACL_LOG_MAX_LEN_DEFAULT } from "./acl-log.js";
