import { z } from "zod";

/** The custom domain, its state and the DNS records that prove and route it (none without a domain). */
export const domainState = z.object({
  domain: z.string().nullable(),
  status: z.enum(["none", "pending", "expired", "verified"]),
  verifiedAt: z.iso.datetime().nullable(),
  dns: z
    .object({
      txt: z.object({ name: z.string(), value: z.string() }),
      cname: z.object({ name: z.string(), target: z.string() }),
    })
    .nullable(),
});
