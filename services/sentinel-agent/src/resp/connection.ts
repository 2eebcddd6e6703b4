// One client connection: parse requests, run them in order (pipelining; an async admin command
// holds the ones behind it), write replies, deliver pub/sub messages. Every buffer is bounded:
// request sizes (parser), requests handled per turn, queued output of a normal client (reading
// stops until the kernel takes it), and the output of a subscriber (dropped when over its limit,
// like Redis's `client-output-buffer-limit pubsub`).
import type { Socket } from "node:net";
import { dispatch } from "./dispatch.js";
import type { Replies } from "./dispatch.js";
import type { Subscriber } from "./pubsub.js";
import type { Reply } from "./reply.js";
import { encodeReply, errorErr, isReplyList } from "./reply.js";
import type { ParseOutcome, RequestLimits } from "./request-parser.js";
import { RequestParser } from "./request-parser.js";
import { dropSubscriptions } from "./server-commands.js";
import { newTrackingState } from "./client-tracking.js";
import type { ClientSession, ServerContext } from "./session.js";

export interface ConnectionLimits extends RequestLimits {
  /** Requests run back to back before yielding to other connections. */
  readonly requests_per_turn_max: number;
  /** A normal client's queued output above which its requests are not read until it drains. */
  readonly output_bytes_max: number;
  /** A subscriber whose queued output exceeds this is disconnected at once. */
  readonly pubsub_output_hard_bytes_max: number;
  /** ... or exceeds this continuously for `pubsub_output_soft_ms`. */
  readonly pubsub_output_soft_bytes_max: number;
  readonly pubsub_output_soft_ms: number;
  /** A connection that has not authenticated this long after connecting is closed; 0: never. */
  readonly unauthenticated_timeout_ms: number;
}

export interface ConnectionCounters {
  commands_processed: number;
  error_replies: number;
  net_input_bytes: number;
  net_output_bytes: number;
}

export type CloseReason =
  "client" | "protocol_error" | "killed" | "pubsub_output_limit" | "socket_error" | "unauthenticated_timeout";

export class ClientConnection implements ClientSession {
  name: string | null = null;
  protocol: 2 | 3 = 2;
  authenticated: boolean;
  user = "default";
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  lib_name = "";
  lib_ver = "";
  readonly remote_address: string;
  readonly local_address: string;
  readonly created_ms: number;
  last_command_ms: number;
  last_command = "NULL";
  close_after_reply = false;
  readonly subscriber: Subscriber;
  readonly tracking = newTrackingState();
  no_evict = false;
  reply_off = false;
  reply_skip = false;
  reply_skip_next = false;

  readonly #parser: RequestParser;
  #pumping = false;
  #closed = false;
  #soft_limit_since_ms: number | null = null;

  readonly #ctx: ServerContext;
  readonly #socket: Socket;
  readonly #limits: ConnectionLimits;
  readonly #counters: ConnectionCounters;
  readonly #onClosed: (connection: ClientConnection, reason: CloseReason) => void;
  constructor(
    ctx: ServerContext,
    socket: Socket,
    readonly id: number,
    limits: ConnectionLimits,
    counters: ConnectionCounters,
    onClosed: (connection: ClientConnection, reason: CloseReason) => void,
  ) {
    this.#ctx = ctx;
    this.#socket = socket;
    this.#limits = limits;
    this.#counters = counters;
    this.#onClosed = onClosed;
    this.authenticated = !ctx.users.authRequired;
    this.remote_address = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
    this.local_address = `${socket.localAddress ?? "?"}:${socket.localPort ?? 0}`;
    this.created_ms = ctx.now_ms();
    this.last_command_ms = this.created_ms;
    this.#parser = new RequestParser(limits);
    this.subscriber = {
      deliver: (reply) => {
        this.#deliver(reply);
      },
    };
    let reason: CloseReason = "client";
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.#counters.net_input_bytes += chunk.length;
      this.#parser.push(chunk);
      this.#pump();
    });
    socket.on("error", () => {
      reason = this.#close_reason ?? "socket_error";
    });
    // Idle sockets that never log in must not hold the port's connection slots (issue 14).
    const idle_timer =
      this.authenticated || limits.unauthenticated_timeout_ms <= 0
        ? null
        : setTimeout(() => {
            if (!this.authenticated) this.#close("unauthenticated_timeout");
          }, limits.unauthenticated_timeout_ms);
    idle_timer?.unref();
    socket.on("close", () => {
      if (idle_timer !== null) clearTimeout(idle_timer);
      this.#closed = true;
      dropSubscriptions(this.#ctx, this);
      this.#onClosed(this, this.#close_reason ?? reason);
    });
  }

  #close_reason: CloseReason | null = null;

  outputBytes(): number {
    return this.#socket.writableLength;
  }

  kill(): void {
    this.#close("killed");
  }

  #close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#close_reason ??= reason;
    this.#closed = true;
    this.#socket.destroy();
  }

  /** Writes what is queued, then closes (after QUIT, CLIENT KILL of self, a protocol error). */
  #closeAfterFlush(reason: CloseReason): void {
    if (this.#closed) return;
    this.#close_reason ??= reason;
    this.#closed = true;
    // Destroy once flushed: a paused socket would never read the peer's FIN and never close.
    this.#socket.end(() => this.#socket.destroy());
  }

  #write(reply: Reply): void {
    if (this.#closed) return;
    if (reply.type === "error") this.#counters.error_replies++;
    const bytes = encodeReply(reply, this.protocol);
    this.#counters.net_output_bytes += bytes.length;
    this.#socket.write(bytes);
  }

  /** One command's replies, unless CLIENT REPLY OFF/SKIP hides them; then SKIP moves on one. */
  #writeCommandReplies(replies: Replies): void {
    if (!this.reply_off && !this.reply_skip) this.#writeReplies(replies);
    this.reply_skip = this.reply_skip_next;
    this.reply_skip_next = false;
  }

  #writeReplies(replies: Replies): void {
    if (isReplyList(replies)) {
      for (const reply of replies) this.#write(reply);
    } else {
      this.#write(replies);
    }
  }

  /** A pub/sub message; drops this client when its output exceeds the pub/sub limits. */
  #deliver(reply: Reply): void {
    if (this.#closed || this.reply_off || this.reply_skip) return;
    const bytes = encodeReply(reply, this.protocol);
    const pending = this.#socket.writableLength + bytes.length;
    if (pending > this.#limits.pubsub_output_hard_bytes_max) {
      this.#close("pubsub_output_limit");
      return;
    }
    if (pending > this.#limits.pubsub_output_soft_bytes_max) {
      const now = this.#ctx.now_ms();
      this.#soft_limit_since_ms ??= now;
      if (now - this.#soft_limit_since_ms > this.#limits.pubsub_output_soft_ms) {
        this.#close("pubsub_output_limit");
        return;
      }
    } else {
      this.#soft_limit_since_ms = null;
    }
    this.#counters.net_output_bytes += bytes.length;
    this.#socket.write(bytes);
  }

  /** Resumes the pump after `until` (an async reply, a drain, a turn boundary). */
  #resumeAfter(until: Promise<void>): void {
    this.#socket.pause();
    void until.then(() => {
      this.#pumping = false;
      if (this.#closed) return;
      this.#socket.resume();
      this.#pump();
    });
  }

  #nextRequest(): ParseOutcome {
    return this.#parser.next(this.authenticated);
  }

  /** Replies to every complete request buffered, in one socket write (a pipelined batch). */
  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#socket.cork();
    try {
      this.#pumpCorked();
    } finally {
      this.#socket.uncork();
    }
  }

  #pumpCorked(): void {
    this.#pumping = true;
    let handled = 0;
    while (!this.#closed) {
      if (this.#socket.writableLength > this.#limits.output_bytes_max) {
        this.#resumeAfter(new Promise((resolve) => this.#socket.once("drain", resolve)));
        return;
      }
      const outcome = this.#nextRequest();
      if (outcome.kind === "incomplete") break;
      if (outcome.kind === "error") {
        this.#write(errorErr(outcome.message));
        this.#closeAfterFlush("protocol_error");
        break;
      }
      this.#counters.commands_processed++;
      const result = dispatch(this.#ctx, this, outcome.argv);
      if (result instanceof Promise) {
        this.#resumeAfter(
          result.then(
            (replies) => {
              this.#writeCommandReplies(replies);
              if (this.close_after_reply) this.#closeAfterFlush("client");
            },
            (failure: unknown) => {
              // The view broke its contract (it should resolve with an error result).
              this.#write(
                errorErr(`internal error: ${failure instanceof Error ? failure.message : String(failure)}`),
              );
            },
          ),
        );
        return;
      }
      this.#writeCommandReplies(result);
      if (this.close_after_reply) {
        this.#closeAfterFlush("client");
        break;
      }
      if (++handled >= this.#limits.requests_per_turn_max) {
        this.#resumeAfter(new Promise((resolve) => setImmediate(resolve)));
        return;
      }
    }
    this.#pumping = false;
  }
}
