import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { DeliveryError } from "../delivery.ts";

// A tenant chooses the gateway URL, and our servers make the request: without this, a tenant
// could aim it at the metadata service, the database or anything else on our private network.
const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["::ffff:0:0", 96],
] as const)
  blocked.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return true;
  return blocked.check(ip, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Refuses a URL whose host is, or resolves to, a private, loopback or link-local address. (A DNS
 * answer that changes between this check and the request is not covered; the check still stops
 * the plain cases, which is what a tenant form can express.)
 */
export async function assertPublicUrl(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (!addresses.length) throw new DeliveryError(`Gateway host ${host} does not resolve`, false);
  if (addresses.some(isPrivateAddress)) {
    throw new DeliveryError(`Gateway host ${host} is a private or local address, which is not allowed`, true);
  }
}
