// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], parsed as Redis 7.0's shutdownCommand. Sentinel
// flushes its configuration and exits; the agent does the same through the server's shutdown
// hook (start/resp-server.ts: the config is written, then the SIGTERM path stops the agent). As with Redis,
// a shutdown under way answers nothing: the connection closes.
import type { Reply } from "./reply.js";
import { errorErr } from "./reply.js";
import type { ClientSession, ServerContext } from "./session.js";

const SYNTAX_ERROR = errorErr("syntax error");
/** Redis's reply when finishShutdown fails (here: the configuration could not be written). */
export const SHUTDOWN_FAILED = errorErr("Errors trying to SHUTDOWN. Check logs.");

export function shutdownCommand(
  ctx: ServerContext,
  session: ClientSession,
  argv: readonly string[],
): Reply | Promise<readonly Reply[] | Reply> {
  let nosave = false;
  let save = false;
  let now = false;
  let force = false;
  let abort = false;
  for (const arg of argv.slice(1)) {
    const lowered = arg.toLowerCase();
    if (lowered === "nosave") nosave = true;
    else if (lowered === "save") save = true;
    else if (lowered === "now") now = true;
    else if (lowered === "force") force = true;
    else if (lowered === "abort") abort = true;
    else return SYNTAX_ERROR;
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) return SYNTAX_ERROR;
  // Ours never waits for replicas to catch up, so there is never a pending shutdown to abort.
  if (abort) return errorErr("No shutdown in progress.");
  if (ctx.shutdown === undefined) return SHUTDOWN_FAILED;
  return ctx.shutdown({ force, now }).then((failure) => {
    if (failure !== null) return failure;
    session.close_after_reply = true;
    return [];
  });
}
