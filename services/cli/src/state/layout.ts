// Where everything of a local cluster lives under its directory (`--dir`). One place, so the
// `up` command, the other commands and the tests agree on the paths.
import { join, resolve } from "node:path";

export const DEFAULT_DIR = ".sentinel-plane";
export const REPLICAS = 2;
export const AGENTS = 3;

export class Layout {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Settings chosen once (ports, ids, token): what makes a second `up` resume the cluster. */
  get cluster_file(): string {
    return join(this.dir, "cluster.json");
  }

  /** The PIDs of a running `up` and its children; removed on a clean stop. */
  get run_file(): string {
    return join(this.dir, "run.json");
  }

  get logs_dir(): string {
    return join(this.dir, "logs");
  }

  log(name: string): string {
    return join(this.logs_dir, `${name}.log`);
  }

  get nats_dir(): string {
    return join(this.dir, "nats");
  }

  redisDir(index: number): string {
    return join(this.dir, `redis-${index}`);
  }

  redisConfig(index: number): string {
    return join(this.redisDir(index), "redis.conf");
  }

  redisData(index: number): string {
    return join(this.redisDir(index), "data");
  }

  dataNodeConfig(index: number): string {
    return join(this.redisDir(index), "data-node.json");
  }

  dataNodeState(index: number): string {
    return join(this.redisDir(index), "data-node-state");
  }

  agentDir(index: number): string {
    return join(this.dir, `agent-${index}`);
  }

  agentConfig(index: number): string {
    return join(this.agentDir(index), "sentinel.conf");
  }

  get vip_dir(): string {
    return join(this.dir, "vip-manager");
  }

  get vip_config(): string {
    return join(this.vip_dir, "vip-manager.json");
  }

  get reconfig_script(): string {
    return join(this.vip_dir, "client-reconfig.sh");
  }

  get reconfig_log(): string {
    return join(this.vip_dir, "client-reconfig.log");
  }
}
