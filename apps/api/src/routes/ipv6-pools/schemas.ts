import { formatIpv6Prefix, parseIpv6Prefix } from "@proxpanel/radius/ipv6";
import { z } from "zod";

/**
 * An IPv6 prefix as subscribers and CSV files give it ("2001:DB8:1::/64"): zod checks the shape,
 * host bits are refused (a typo in the prefix would otherwise route someone else's block), and it
 * is stored in RFC 5952 form so the unique index sees one spelling.
 */
export const ipv6Prefix = z
  .cidrv6()
  .refine((v) => parseIpv6Prefix(v) !== undefined, "must be a prefix without host bits, e.g. 2001:db8:1::/64")
  .transform((v) => formatIpv6Prefix(parseIpv6Prefix(v) ?? { network: 0n, length: 0 }));
