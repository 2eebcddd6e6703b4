// One virtual IP that follows one master's primary.
import assert from "node:assert/strict";
import { isIPv4 } from "node:net";

export interface VipConfig {
  readonly master_name: string;
  /** IPv4 address clients use (gratuitous ARP is IPv4 only). */
  readonly vip: string;
  readonly prefix_length: number;
  /** Interface that carries the VIP on every host, e.g. `eth0` (the seed's `mgt`). */
  readonly interface: string;
}

export function assertVipConfig(config: VipConfig): void {
  assert.ok(config.master_name.length > 0, "master_name is empty");
  assert.ok(isIPv4(config.vip), `vip must be IPv4: ${config.vip}`);
  assert.ok(
    Number.isInteger(config.prefix_length) && config.prefix_length >= 1 && config.prefix_length <= 32,
  );
  // IFNAMSIZ: 15 characters; never something ip could read as an option.
  assert.match(config.interface, /^[A-Za-z0-9_.:@-]{1,15}$/);
  assert.ok(!config.interface.startsWith("-"), "interface must not start with '-'");
}
