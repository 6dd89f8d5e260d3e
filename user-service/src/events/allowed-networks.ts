import { BlockList, isIP } from 'node:net';
import { HttpError } from '@cloud-backend/shared';

/** More would be a firewall's job, not an event's. */
export const MAX_ALLOWED_NETWORKS = 50;

const INVALID_NETWORKS = 'INVALID_ALLOWED_NETWORKS';

/**
 * An event's `allowed_networks` as the API takes it (README.md, "Network restriction"): CIDR
 * blocks, IPv4 or IPv6 (`10.0.0.0/8`, `2001:db8::/32`), or single addresses. Returns the blocks
 * with an explicit prefix (PostgreSQL then stores each as its network: `10.1.2.3/8` becomes
 * `10.0.0.0/8`); null for no restriction (an empty list, or null). Throws a 400 naming the first
 * entry it cannot read.
 */
export function parseAllowedNetworks(list: readonly string[] | null | undefined): string[] | null {
  if (list === null || list === undefined || list.length === 0) return null;
  if (list.length > MAX_ALLOWED_NETWORKS) {
    throw new HttpError(
      400,
      INVALID_NETWORKS,
      `allowed_networks holds at most ${String(MAX_ALLOWED_NETWORKS)} networks`,
    );
  }
  const blocks = new Set<string>();
  for (const entry of list) blocks.add(parseBlock(entry));
  return [...blocks];
}

function parseBlock(entry: string): string {
  const text = entry.trim();
  const [address = '', prefixText, extra] = text.split('/');
  const family = isIP(address);
  // isIP accepts IPv6 zone ids (fe80::1%eth0), which name an interface, not a network.
  const bad = () =>
    new HttpError(
      400,
      INVALID_NETWORKS,
      `allowed_networks: "${text.slice(0, 60)}" is not an IPv4 or IPv6 network (CIDR such as 10.0.0.0/8 or 2001:db8::/32)`,
    );
  if (family === 0 || address.includes('%') || extra !== undefined) throw bad();
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) throw bad();
    prefix = Number(prefixText);
    if (prefix > bits) throw bad();
  }
  // Node's own reading of the block: what it refuses, PostgreSQL would too.
  try {
    new BlockList().addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    throw bad();
  }
  return `${address.toLowerCase()}/${String(prefix)}`;
}

/**
 * The client address as the check-in statement compares it: an IPv4 client on a dual-stack
 * socket appears as ::ffff:a.b.c.d, which must match IPv4 blocks. null when it is no address
 * at all (a restricted event then refuses: fail closed).
 */
export function clientAddress(ip: string | undefined): string | null {
  if (ip === undefined) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped?.[1] ?? ip;
  return isIP(address) === 0 || address.includes('%') ? null : address;
}
