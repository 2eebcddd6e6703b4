// Probes Redis instances with ioredis: one long-lived connection per instance, as Sentinel keeps
// one link per instance. PING and INFO replies become the core's ProbeResult; nothing here
// decides anything about health.
import { once } from "node:events";
import { parseInfo } from "@sentinel-plane/core";
import { createRedisClient, withDeadline } from "@sentinel-plane/runtime";
import type { Redis, RedisClientOptions, TlsMaterial } from "@sentinel-plane/runtime";
import type { Address, ProbeResult } from "@sentinel-plane/core";
import type { Prober } from "@sentinel-plane/agent-shell";

export interface RedisAuth {
  readonly username?: string;
  readonly password?: string;
}

export interface RedisProberOptions {
  /** Bound on the number of instances probed (one connection each). */
  readonly instances_max: number;
  readonly connect_timeout_ms: number;
  /** Reconnect back-off: 50 ms per attempt, capped at this. */
  readonly reconnect_max_ms: number;
  readonly auth_for: (target: Address) => RedisAuth;
  /** The name this instance knows a command by (Sentinel's `rename-command`); absent: its own. */
  readonly command_name?: (target: Address, command: "PING" | "INFO") => string;
  /** tls-replication yes: every monitored server is reached over TLS with this. */
  readonly tls?: TlsMaterial;
  /** CLIENT SETNAME of each link ("sentinel-plane-probe" by default). */
  readonly connection_name?: string;
  /** Makes each link's client (tests wrap it to reach the client); createRedisClient by default. */
  readonly create_client?: (options: RedisClientOptions) => Redis;
}

const TIMEOUT = "probe timed out";

/**
 * One instance's client, the credentials it logs in with (a change replaces it: #link) and how
 * many times it became ready (one count per connection).
 */
interface Link {
  readonly client: Redis;
  readonly auth: RedisAuth;
  readies: number;
}

/**
 * A link ioredis will not bring back by itself: "end" (it gave up reconnecting), or "ready" over a
 * stream that is closed (the close was not handled: the race #dropLink describes). Probes on it
 * failed at once ("Stream isn't writeable") and never timed out, so it was never dropped and its
 * instances stayed SDOWN for good (Redis's suite, whole run: from 09 on, some agents saw every
 * instance down, and 10-replica-priority's replica-announced was never read). "connecting" and
 * "reconnecting" are left to ioredis; an error reply on a sound link changes nothing.
 */
function stuck(client: Redis): boolean {
  if (client.status === "end") return true;
  if (client.status !== "ready") return false;
  const stream = client.stream;
  return !stream.writable || stream.writableEnded || stream.destroyed;
}

/** Replies Sentinel counts as "the instance is alive" even though they are errors. */
const ALIVE_ERRORS = ["LOADING", "MASTERDOWN"] as const;

export class RedisProber implements Prober {
  readonly #links = new Map<string, Link>();
  /** Host name -> the IP address its last link connected to (monitored hosts only: retain). */
  readonly #resolved = new Map<string, string>();
  readonly #options: RedisProberOptions;

  constructor(options: RedisProberOptions) {
    this.#options = options;
  }

  async probe(target: Address, kind: "ping" | "info", timeout_ms: number): Promise<ProbeResult> {
    const link = this.#link(target);
    if (link === null) return { kind, ok: false, error: "too many probed instances" };
    const client = link.client;
    // Which connection this probe can blame for a timeout: the one up now, if any.
    const up_at_start = client.status === "ready" ? link.readies : null;
    const abandon = new AbortController();
    try {
      const reply = await withDeadline(
        send(
          client,
          kind,
          this.#options.command_name?.(target, kind === "ping" ? "PING" : "INFO"),
          abandon.signal,
        ),
        timeout_ms,
        () => new Error(TIMEOUT),
      );
      if (kind === "ping") return { kind, ok: true, reply: "PONG" };
      const parsed = parseInfo(reply);
      return parsed.ok ? { kind, ok: true, info: parsed.info } : { kind, ok: false, error: parsed.reason };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const alive = ALIVE_ERRORS.find((prefix) => message.startsWith(prefix));
      if (kind === "ping" && alive !== undefined) return { kind, ok: true, reply: alive };
      if (message === TIMEOUT && up_at_start === link.readies) this.#dropLink(target, link);
      else if (message !== TIMEOUT && stuck(client)) this.#dropLink(target, link);
      return { kind, ok: false, error: message };
    } finally {
      abandon.abort(); // drops the wait for a connection that did not come in time
    }
  }

  /** Forgets instances no longer monitored. */
  retain(targets: readonly Address[]): void {
    const keep = new Set(targets.map(key));
    for (const [k, link] of this.#links) {
      if (!keep.has(k)) {
        link.client.disconnect(false);
        this.#links.delete(k);
      }
    }
    const hosts = new Set(targets.map((t) => t.host));
    for (const host of this.#resolved.keys()) if (!hosts.has(host)) this.#resolved.delete(host);
  }

  /** Drops the links to these instances: the next probe connects with fresh credentials. */
  reconnect(targets: readonly Address[]): void {
    for (const target of targets) {
      const k = key(target);
      this.#links.get(k)?.client.disconnect(false);
      this.#links.delete(k);
    }
  }

  /**
   * The IP address the last link to `host` connected to (its name resolved), if any. Kept while
   * the link reconnects: Sentinel too resolves a name once, when it creates the address.
   */
  resolvedIp(host: string): string | null {
    return this.#resolved.get(host) ?? null;
  }

  close(): void {
    for (const link of this.#links.values()) link.client.disconnect(false);
    this.#links.clear();
  }

  /**
   * A hung server keeps the command pending forever: the link is dropped so the next probe does
   * not queue behind it (Sentinel kills links with old pending pings for the same reason), and the
   * next probe opens a new client. Not `disconnect(true)` on the same client: when the link was
   * still connecting (its CLIENT SETNAME unanswered by the frozen server), ioredis 5 marks it ready
   * once that command fails, after the close had already scheduled the reconnection; the
   * reconnection then finds it "ready" and gives up, and every later probe got "Stream isn't
   * writeable" though the server had resumed (a SIGSTOPped master never seen up again).
   *
   * Only a connection that was up when the probe started is to blame (the caller checks): a link
   * that connected meanwhile spent the deadline connecting, not waiting for a hung server.
   * Dropping those too made a loaded agent (hundreds of links connecting at start) reconnect
   * again and again, each new link outlasting the next deadline, and never see most masters up.
   */
  #dropLink(target: Address, link: Link): void {
    link.client.disconnect(false);
    const k = key(target);
    if (this.#links.get(k) === link) this.#links.delete(k);
  }

  /**
   * The link to `target`, logged in with the credentials that apply now. A link made with others
   * is replaced: ioredis logs in again with the credentials it was created with at each
   * reconnection, so a link whose ACL user was deleted kept failing (WRONGPASS) after a SENTINEL
   * REMOVE and a new MONITOR without that user, when both came within one retain() second
   * (Redis's suite, 05-manual after 03-runtime-reconf: every replica's INFO failed, NOGOODSLAVE).
   */
  #link(target: Address): Link | null {
    const k = key(target);
    const auth = this.#options.auth_for(target);
    const existing = this.#links.get(k);
    if (existing !== undefined) {
      if (sameAuth(existing.auth, auth)) return existing;
      this.#dropLink(target, existing);
    }
    if (this.#links.size >= this.#options.instances_max) return null;
    const client = (this.#options.create_client ?? createRedisClient)({
      host: target.host,
      port: target.port,
      ...(auth.username === undefined ? {} : { username: auth.username }),
      ...(auth.password === undefined ? {} : { password: auth.password }),
      ...(this.#options.tls === undefined ? {} : { tls: this.#options.tls }),
      connection_name: this.#options.connection_name ?? "sentinel-plane-probe",
      ready_check: false,
      connect_timeout_ms: this.#options.connect_timeout_ms,
      // The probe's own deadline (withTimeout) is the one that matters; this is a backstop.
      command_timeout_ms: 60_000,
      retry_base_ms: 50,
      retry_max_ms: this.#options.reconnect_max_ms,
    });
    const link: Link = { client, auth, readies: 0 };
    client.on("connect", () => {
      const remote = client.stream.remoteAddress;
      if (remote !== undefined) this.#resolved.set(target.host, remote);
    });
    client.on("ready", () => {
      link.readies += 1;
    });
    client.connect().catch(() => undefined);
    // Errors surface through the probe results; the listener keeps ioredis from logging them.
    client.on("error", () => undefined);
    this.#links.set(k, link);
    return link;
  }
}

function sameAuth(a: RedisAuth, b: RedisAuth): boolean {
  return a.username === b.username && a.password === b.password;
}

/**
 * Sends the probe's command, once a connection attempt in progress has ended. Without the offline
 * queue, a link still connecting refuses every command at once: the first INFO after a replica's
 * discovery failed, and the next came a whole INFO period later, so a leader elected in that
 * second chose without the replica's priority and offset. A failed attempt ("error") fails the
 * probe; a link that is down and not connecting fails it at once, as before.
 */
async function send(
  client: Redis,
  kind: "ping" | "info",
  renamed: string | undefined,
  signal: AbortSignal,
): Promise<string> {
  if (client.status === "connecting" || client.status === "connect") await once(client, "ready", { signal });
  // A renamed command goes out under its new name (an error reply, e.g. to a name the server does
  // not know, fails the probe as any error does).
  if (renamed !== undefined && renamed.toUpperCase() !== kind.toUpperCase()) {
    return String(await client.call(renamed));
  }
  return kind === "ping" ? client.ping() : client.info();
}

function key(a: Address): string {
  return `${a.host}:${a.port}`;
}
