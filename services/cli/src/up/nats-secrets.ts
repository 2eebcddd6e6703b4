// The local cluster's NATS identities: one user per process with its role's permissions
// (libs/protocol nats-auth.ts), random passwords kept in `<dir>/secrets/nats.json` (mode 0600, in
// a 0700 directory), and the nats-server config rendered from them on every start. The agents'
// ids live there too, because an agent's user names its id (`sentinel myid` in sentinel.conf).
// Rotation: stop `up`, delete the `passwords` entries to renew (or the whole object), start `up`
// again: what is missing is generated, nats.conf and the services' files are rewritten.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isValidId, natsPermissions, natsUser, renderNatsAuthorization } from "@sentinel-plane/protocol";
import type { NatsIdentity, NatsUserEntry } from "@sentinel-plane/protocol";
import { CliError, EXIT, errnoCode } from "../errors.js";
import type { ClusterSettings } from "../state/cluster-state.js";
import type { Layout } from "../state/layout.js";
import { LOOPBACK } from "./ports.js";
import type { LocalTls } from "./local-tls.js";

export const NATS_SECRETS_VERSION = 1;
/** The unrestricted user, for an operator's own tools (`nats` CLI); no service uses it. */
export const NATS_ADMIN_USER = "admin";
export const VIP_MANAGER_ID = "local";

export interface NatsSecrets {
  readonly version: typeof NATS_SECRETS_VERSION;
  readonly agent_ids: readonly string[];
  /** User name -> password. */
  readonly passwords: Readonly<Record<string, string>>;
}

export interface NatsCredential {
  readonly user: string;
  readonly pass: string;
}

export function secretsDir(layout: Layout): string {
  return join(layout.dir, "secrets");
}

export function natsSecretsFile(layout: Layout): string {
  return join(secretsDir(layout), "nats.json");
}

export function natsConfFile(layout: Layout): string {
  return join(layout.nats_dir, "nats.conf");
}

function password(): string {
  return randomBytes(24).toString("base64url");
}

function agentId(): string {
  return randomBytes(20).toString("hex");
}

export function identities(
  secrets: Pick<NatsSecrets, "agent_ids">,
  counts: { readonly redis: number },
): NatsIdentity[] {
  return [
    ...secrets.agent_ids.map((id): NatsIdentity => ({ role: "agent", id })),
    ...Array.from({ length: counts.redis }, (_, i): NatsIdentity => ({ role: "data-node", id: `node-${i}` })),
    { role: "vip-manager", id: VIP_MANAGER_ID },
  ];
}

/** Completes `found` (agent ids, passwords) with fresh random values where something is missing. */
export function completeSecrets(
  found: Partial<NatsSecrets> | null,
  counts: { readonly redis: number; readonly agents: number },
): NatsSecrets {
  const agent_ids = [...(found?.agent_ids ?? [])].filter((id) => /^[0-9a-f]{40}$/.test(id));
  while (agent_ids.length < counts.agents) agent_ids.push(agentId());
  const passwords: Record<string, string> = {};
  const users = [NATS_ADMIN_USER, ...identities({ agent_ids }, counts).map(natsUser)];
  for (const user of users) {
    const known = found?.passwords?.[user];
    passwords[user] = typeof known === "string" && known.length >= 16 ? known : password();
  }
  return { version: NATS_SECRETS_VERSION, agent_ids: agent_ids.slice(0, counts.agents), passwords };
}

/** Reads the secrets file (created when missing, completed when partial) and writes it back 0600. */
export async function loadNatsSecrets(
  layout: Layout,
  counts: { readonly redis: number; readonly agents: number },
): Promise<NatsSecrets> {
  const path = natsSecretsFile(layout);
  let found: Partial<NatsSecrets> | null = null;
  try {
    found = JSON.parse(await readFile(path, "utf8")) as Partial<NatsSecrets>;
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") {
      throw new CliError(EXIT.usage, "CLI_STATE_INVALID", `${path}: ${String(error)}`);
    }
  }
  // A cluster made before NATS users existed: its agents already chose their ids (sentinel.conf).
  const agent_ids = found?.agent_ids ?? (await existingAgentIds(layout, counts.agents));
  const secrets = completeSecrets({ ...found, agent_ids }, counts);
  await mkdir(secretsDir(layout), { recursive: true, mode: 0o700 });
  await chmod(secretsDir(layout), 0o700);
  await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return secrets;
}

/** `sentinel myid` of each agent's existing sentinel.conf, in order, until one has none. */
async function existingAgentIds(layout: Layout, agents: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < agents; i++) {
    let text: string;
    try {
      text = await readFile(layout.agentConfig(i), "utf8");
    } catch {
      break;
    }
    const id = /^sentinel myid ([0-9a-f]{40})\s*$/m.exec(text)?.[1];
    if (id === undefined) break;
    ids.push(id);
  }
  return ids;
}

export function credentialOf(secrets: NatsSecrets, identity: NatsIdentity): NatsCredential {
  const user = natsUser(identity);
  const pass = secrets.passwords[user];
  if (pass === undefined) throw new Error(`no NATS password for ${user}`);
  return { user, pass };
}

export function agentCredential(secrets: NatsSecrets, index: number): NatsCredential & { myid: string } {
  const myid = secrets.agent_ids[index];
  if (myid === undefined || !isValidId(myid)) throw new Error(`no agent id for agent-${index}`);
  return { myid, ...credentialOf(secrets, { role: "agent", id: myid }) };
}

/** The whole nats-server config: listener, JetStream store, and the users with their permissions. */
export function natsConfText(
  layout: Layout,
  settings: ClusterSettings,
  secrets: NatsSecrets,
  counts: { readonly redis: number },
  tls: LocalTls | null = null,
): string {
  const admin = secrets.passwords[NATS_ADMIN_USER];
  if (admin === undefined) throw new Error("no NATS admin password");
  const users: NatsUserEntry[] = [
    { user: NATS_ADMIN_USER, password: admin, permissions: null },
    ...identities(secrets, counts).map((identity) => {
      const { user, pass } = credentialOf(secrets, identity);
      return { user, password: pass, permissions: natsPermissions(settings.cluster_id, identity) };
    }),
  ];
  return [
    "# Written by `sentinel-plane up` on every start, from secrets/nats.json. Holds passwords: 0600.",
    `server_name: ${JSON.stringify(`sentinel-plane-${settings.cluster_id}`)}`,
    `listen: "${LOOPBACK}:${settings.ports.nats}"`,
    `jetstream { store_dir: ${JSON.stringify(join(layout.nats_dir, "jetstream"))} }`,
    renderNatsAuthorization(users),
    // `up --tls`: TLS required, every client presents a certificate of the cluster's CA.
    ...(tls === null
      ? []
      : [
          "tls {",
          `  cert_file: ${JSON.stringify(tls.cert_file)}`,
          `  key_file: ${JSON.stringify(tls.key_file)}`,
          `  ca_file: ${JSON.stringify(tls.ca_file)}`,
          "  verify: true",
          "  timeout: 2",
          "}",
        ]),
  ].join("\n");
}
