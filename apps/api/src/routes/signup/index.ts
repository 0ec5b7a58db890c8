import { type Tenant, type Tx, tenants } from "@proxpanel/db";
import { enqueueMail } from "@proxpanel/mail";
import { isReservedSlug, onboardTenant, slugProblem } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { jsonResponse } from "../../openapi.ts";
import { welcomeMail } from "../../services/mail-templates.ts";
import { workspaceUrl } from "../../services/public-url.ts";
import { validate } from "../../validate.ts";
import { take } from "../auth/password-reset.ts";
import { forgotAnswer } from "../auth/responses.ts";
import { mailWorkspaceLinks } from "./find-workspace.ts";

export const signupBody = z.object({
  slug: z.string().trim().toLowerCase().min(1).max(63),
  companyName: z.string().trim().min(1).max(200),
  // A paid plan is reached through the billing provider or the console, never by asking for it here.
  plan: z
    .enum(["trial"], { error: "self-service signup starts on the trial; paid plans come through billing" })
    .default("trial"),
  adminEmail: z.string().trim().email().max(254),
  adminPassword: z.string().min(10, "must be at least 10 characters").max(256),
  adminName: z.string().trim().max(200).optional(),
  timezone: z.string().max(64).optional(),
});

const findBody = z.object({ email: z.string().trim().toLowerCase().email().max(254) }).strict();
// Per address and per client an hour: enough to retry, too few to mail-bomb or probe addresses.
const FIND_PER_ADDRESS_PER_HOUR = 3;
const FIND_PER_CLIENT_PER_HOUR = 20;

const slugQuery = z.object({ slug: z.string().trim().toLowerCase().max(63) }).strict();

/** Self-service signup on the apex; the new workspace answers on its subdomain at once. */
const slugAnswer = z.object({ slug: z.string(), available: z.boolean(), reason: z.string().optional() });
const signedUp = z.object({
  tenant: z.object({ id: z.uuid(), slug: z.string(), companyName: z.string(), plan: z.string() }),
  url: z.string(),
  /** Exchanged at POST /api/auth/handoff on the workspace's host (null if it has no owner yet). */
  handoff: z.string().nullable(),
});

export function signupRoutes(deps: AppDeps) {
  const perAddress = deps.state.rateLimiter({ points: FIND_PER_ADDRESS_PER_HOUR, duration: 3600 });
  const perClient = deps.state.rateLimiter({ points: FIND_PER_CLIENT_PER_HOUR, duration: 3600 });
  return (
    new Hono<AppEnv>()
      // "Find my workspace": the answer is the same whether or not the address has any, and the
      // search runs after the answer, so neither the body nor the timing tells.
      .post(
        "/find-workspace",
        jsonResponse(forgotAnswer, "Links are mailed if the address is known", { status: 202, security: [] }),
        validate("json", findBody),
        async (c) => {
          const { email } = c.req.valid("json");
          const busy = "Too many look-ups; try again later.";
          await take(perClient, `find_ws_ip:${c.get("clientIp")}`, busy);
          await take(perAddress, `find_ws:${email}`, busy);
          const log = c.get("logger");
          setImmediate(() => {
            mailWorkspaceLinks(deps, email).catch((err: unknown) => log.error({ err }, "find-workspace mail failed"));
          });
          return c.json(
            { ok: true, message: "If this address belongs to any workspace, we are mailing the links." },
            202,
          );
        },
      )
      // Live check for the signup form: the rules, reserved names and names in use, as signup applies them.
      .get(
        "/slug",
        jsonResponse(slugAnswer, "Whether the name can be taken, and why not", { security: [] }),
        validate("query", slugQuery),
        async (c) => {
          const { slug } = c.req.valid("query");
          const problem = slugProblem(slug);
          if (problem) return c.json({ slug, available: false, reason: `A workspace name ${problem}.` });
          if (isReservedSlug(slug)) {
            return c.json({ slug, available: false, reason: `"${slug}" is reserved.` });
          }
          const taken = await deps.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, slug)).limit(1);
          return c.json(
            taken.length
              ? { slug, available: false, reason: `"${slug}" is already taken.` }
              : { slug, available: true },
          );
        },
      )
      .post(
        "/",
        jsonResponse(signedUp, "The new workspace, its address and a one-time sign-in", { status: 201, security: [] }),
        validate("json", signupBody),
        async (c) => {
          const input = c.req.valid("json");
          // The welcome e-mail is queued in the signup transaction: no tenant without it, no mail without a tenant.
          let owner: { id: string; sessionVersion: number } | undefined;
          const onCreated = async (tx: Tx, t: Tenant, o: { id: string; sessionVersion: number }) => {
            owner = o;
            const url = workspaceUrl(deps, t.slug);
            await enqueueMail(
              tx,
              welcomeMail({ to: input.adminEmail, companyName: t.companyName, url, tenantId: t.id }),
            );
          };
          const tenant = await onboardTenant({ db: deps.db, resolver: deps.resolver, onCreated }, input, {
            superAdminId: null,
            label: `signup:${input.adminEmail}`,
            ip: c.get("clientIp"),
            requestId: c.get("requestId"),
          });
          // The owner goes on to its own host signed in: a two-minute handoff token, exchanged there
          // (POST /api/auth/handoff) for a session. It is not a session token itself. The owner comes
          // from the onboarding itself: reading it back would build the new tenant's client (its
          // ≈ 30 table objects and a Drizzle instance) in the signup, for one row.
          const handoff = owner
            ? await deps.tokens.signHandoff({ sub: owner.id, tenantId: tenant.id, sv: owner.sessionVersion })
            : null;
          return c.json(
            {
              tenant: { id: tenant.id, slug: tenant.slug, companyName: tenant.companyName, plan: tenant.plan },
              url: workspaceUrl(deps, tenant.slug),
              handoff,
            },
            201,
          );
        },
      )
  );
}
