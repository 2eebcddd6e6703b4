// A real nats-server with JetStream on and its own store dir, on a loopback port. Authorization
// is on unless a test turns it off: an unrestricted `admin` user for the test's own clients, and
// one user per service identity with that role's permissions (libs/protocol nats-auth.ts), added
// with `addIdentities` (written to the config file, applied by a reload: SIGHUP).
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { natsPermissions, natsUser, renderNatsAuthorization } from "@sentinel-plane/protocol";
import type { NatsIdentity, NatsUserEntry } from "@sentinel-plane/protocol";
import { HarnessServer } from "./harness-server.js";
import type { LaunchOutcome, ServerLaunchSettings } from "./harness-server.js";
import { LOOPBACK } from "./ports.js";
import { natsGreeting } from "./probes.js";

export interface NatsServerOptions {
  readonly name?: string;
  /** One user for everything (`--user/--pass`), instead of per-identity authorization. */
  readonly user?: string;
  readonly pass?: string;
  /** A fixed client port (a test that starts a client before its server); free one otherwise. */
  readonly port?: number;
  /** A member of a JetStream cluster (see Harness.startNatsCluster). */
  readonly cluster?: NatsClusterMembership;
  /** Per-identity users and permissions (default true); false: anyone may do anything. */
  readonly auth?: boolean;
  /** TLS required, client certificates verified (`tls { verify: true }`); needs auth (the config file). */
  readonly tls?: { readonly ca_file: string; readonly cert_file: string; readonly key_file: string };
}

export interface NatsClusterMembership {
  readonly name: string;
  /** This server's route port. */
  readonly route_port: number;
  /** Route URLs of every member (its own is ignored by nats-server). */
  readonly routes: readonly string[];
  /** HTTP monitoring port (/jsz, /healthz). */
  readonly monitor_port: number;
}

export interface NatsCredential {
  readonly user: string;
  readonly pass: string;
}

/** A random password of 32 URL-safe characters. */
export function natsPassword(): string {
  return randomBytes(24).toString("base64url");
}

export class NatsServer extends HarnessServer {
  readonly dir: string;
  readonly store_dir: string;
  readonly options: NatsServerOptions;
  /** The unrestricted user of the test's own clients; null when authorization is off. */
  readonly admin: NatsCredential | null;
  readonly #settings: ServerLaunchSettings;
  readonly #users = new Map<string, NatsUserEntry>();

  constructor(
    name: string,
    port: number,
    dir: string,
    options: NatsServerOptions,
    settings: ServerLaunchSettings,
  ) {
    super(name, port, settings);
    this.dir = dir;
    this.store_dir = join(dir, "jetstream");
    this.options = options;
    this.#settings = settings;
    // Members of a JetStream cluster run without users (a cluster test is about placement, and
    // one user set would have to be kept on every member).
    const auth = options.user === undefined && options.auth !== false && options.cluster === undefined;
    this.admin = auth ? { user: "admin", pass: natsPassword() } : null;
    if (this.admin !== null) {
      this.#users.set(this.admin.user, {
        user: this.admin.user,
        password: this.admin.pass,
        permissions: null,
      });
    }
  }

  get config_path(): string {
    return join(this.dir, "nats.conf");
  }

  /** Options for a test client: the admin user when authorization is on. */
  get connectOptions(): {
    servers: string;
    user?: string;
    pass?: string;
    tls?: { caFile: string; certFile: string; keyFile: string };
  } {
    const tls = this.options.tls;
    return {
      servers: this.url,
      ...(this.admin === null ? {} : this.admin),
      ...(tls === undefined
        ? {}
        : { tls: { caFile: tls.ca_file, certFile: tls.cert_file, keyFile: tls.key_file } }),
    };
  }

  /**
   * Users for these identities of `cluster` (their permissions from nats-auth.ts); a running
   * server reloads its config before this resolves. Without authorization: no credentials (null).
   */
  async addIdentities(
    cluster: string,
    identities: readonly NatsIdentity[],
  ): Promise<(NatsCredential | null)[]> {
    if (this.admin === null) return identities.map(() => null);
    const added = identities.map((identity) => {
      const user = natsUser(identity);
      const known = this.#users.get(user);
      const pass = known?.password ?? natsPassword();
      this.#users.set(user, { user, password: pass, permissions: natsPermissions(cluster, identity) });
      return { user, pass };
    });
    await this.#writeConfig();
    if (this.running) await this.#reload();
    return added;
  }

  async addIdentity(cluster: string, identity: NatsIdentity): Promise<NatsCredential | null> {
    const [credential] = await this.addIdentities(cluster, [identity]);
    return credential ?? null;
  }

  /** The whole config in the file: a reload re-reads it, and flags would differ from it. */
  async #writeConfig(): Promise<void> {
    const text = [
      `server_name: ${JSON.stringify(this.name)}`,
      `listen: "${LOOPBACK}:${this.port}"`,
      `jetstream { store_dir: ${JSON.stringify(this.store_dir)} }`,
      renderNatsAuthorization([...this.#users.values()]),
      ...(this.options.tls === undefined
        ? []
        : [
            "tls {",
            `  cert_file: ${JSON.stringify(this.options.tls.cert_file)}`,
            `  key_file: ${JSON.stringify(this.options.tls.key_file)}`,
            `  ca_file: ${JSON.stringify(this.options.tls.ca_file)}`,
            "  verify: true",
            "  timeout: 2",
            "}",
          ]),
    ].join("\n");
    await writeFile(this.config_path, text, { mode: 0o600 });
  }

  async #reload(): Promise<void> {
    const since = this.process.lineCount();
    this.process.killNow("SIGHUP");
    await this.process.waitForLine((line) => line.includes("Reloaded server configuration"), {
      timeout_ms: this.#settings.ready_timeout_ms,
      since,
      signal: this.#settings.signal,
    });
  }

  get url(): string {
    return `nats://${LOOPBACK}:${this.port}`;
  }

  /** The monitoring endpoint of a cluster member (null for a lone server). */
  get monitor_url(): string | null {
    const cluster = this.options.cluster;
    return cluster === undefined ? null : `http://${LOOPBACK}:${cluster.monitor_port}`;
  }

  /** The ready line, then the server's INFO greeting. */
  protected override async start(): Promise<LaunchOutcome> {
    const args = ["-js", "-sd", this.store_dir, "-a", LOOPBACK, "-p", String(this.port), "-n", this.name];
    if (this.options.user !== undefined) args.push("--user", this.options.user);
    if (this.options.pass !== undefined) args.push("--pass", this.options.pass);
    const cluster = this.options.cluster;
    if (cluster !== undefined) {
      args.push("--cluster_name", cluster.name, "--cluster", `nats://${LOOPBACK}:${cluster.route_port}`);
      args.push("--routes", cluster.routes.join(","), "-m", String(cluster.monitor_port));
    }
    if (this.admin !== null) {
      await this.#writeConfig();
      args.splice(0, args.length, "-c", this.config_path);
    }
    const outcome = await this.spawnUntilReady(
      { name: this.name, command: "nats-server", args, log_path: join(this.dir, "nats.log"), cwd: this.dir },
      {
        isReadyLine: (line) => line.includes("Server is ready"),
        isBindConflict: (logs) => /address already in use/i.test(logs),
      },
    );
    if (outcome !== "ready") return outcome;
    await natsGreeting(this.port, this.#settings.ready_timeout_ms);
    return "ready";
  }
}
