export type { AclCommand } from "./categories.js";
export { CATEGORIES, categoryMembers, isCategory } from "./categories.js";
export type { AclUser } from "./user.js";
export { applyRule, applyRules, describeRules, newUser, passwordHash, userCanRun } from "./user.js";
export type { AclUserLine, AclWriteResult } from "./users.js";
export { AclUsers, DEFAULT_USER, userNameProblem } from "./users.js";
export { userRole } from "./role.js";
