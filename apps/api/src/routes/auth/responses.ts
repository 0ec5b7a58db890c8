import { z } from "zod";

/** A signed-in staff member: the bearer token and who it is. */
export const loginBody = z.object({
  token: z.string(),
  user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), isOwner: z.boolean() }),
});
/** Who the token belongs to and what it may do, in which workspace. */
export const meBody = z.object({
  user: z.object({ id: z.uuid(), email: z.string(), isOwner: z.boolean(), permissions: z.array(z.string()) }),
  tenant: z.object({ id: z.uuid(), slug: z.string() }),
});
/** The same answer whether or not the address is known, so it reveals nothing. */
export const forgotAnswer = z.object({ ok: z.literal(true), message: z.string() });
