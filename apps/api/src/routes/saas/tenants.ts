import { TENANT_STATUSES } from "@proxpanel/db";
import {
  getTenant,
  listTenants,
  moveTenant,
  onboardTenant,
  purgeTenant,
  renameTenant,
  setTenantStatus,
  tenantPlacement,
  updateTenant,
} from "@proxpanel/tenancy";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin, superAdminActor } from "../../middleware/auth.ts";
import { MODULES } from "../../middleware/modules.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { validate } from "../../validate.ts";
import { signupBody } from "../signup/index.ts";
import * as out from "./responses.ts";
import { type TenantStats, tenantStats } from "./saas-tenants.ts";

const idParam = z.object({ id: z.string().uuid() });

const listQuery = z.object({
  ...pageQuery,
  status: z.enum(TENANT_STATUSES).optional(),
  plan: z.string().max(20).optional(),
  sort: z.enum(["created", "slug", "company", "status", "plan"]).default("created"),
});

const createBody = signupBody.extend({
  plan: z.enum(["trial", "starter", "pro", "custom"]).default("trial"),
  subscriberCap: z.number().int().min(0).max(1_000_000).optional(),
});

const patchBody = z
  .object({
    slug: z.string().trim().toLowerCase().min(1).max(63).optional(),
    plan: z.enum(["trial", "starter", "pro", "custom"]).optional(),
    subscriberCap: z.number().int().min(0).max(1_000_000).optional(),
    companyName: z.string().trim().min(1).max(200).optional(),
    // null returns the tenant to its plan's modules.
    modules: z.array(z.enum(MODULES)).max(MODULES.length).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "nothing to change");

// A Citus node as pg_dist_node names it: host (name or address) and port.
const moveBody = z.object({
  node: z
    .string()
    .trim()
    .max(300)
    .regex(/^[A-Za-z0-9._-]+:\d{1,5}$/, "node must be host:port"),
  mode: z.enum(["auto", "block_writes", "force_logical"]).optional(),
});
const placement = z.object({
  distributed: z.boolean(),
  node: z.string().nullable(),
  nodes: z.array(
    z.object({
      node: z.string(),
      role: z.enum(["coordinator", "worker"]),
      takesTenants: z.boolean(),
      tenants: z.number().int(),
    }),
  ),
});
const moveResult = z.object({
  moved: z.boolean(),
  from: z.string(),
  to: z.string(),
  mode: z.enum(["auto", "block_writes", "force_logical"]).nullable(),
  ms: z.number().int(),
  placement,
});

/** A registry row plus what the console's tenant list shows next to it. */
function withStats<T extends { id: string }>(tenant: T, stats: TenantStats | undefined) {
  const { schemaPresent: _present, ...shown } = stats ?? {
    subscribers: 0,
    activeSubscribers: 0,
    backupBytes: 0,
    schemaBytes: 0,
    lastBackupAt: null,
    schemaPresent: false,
  };
  return { ...tenant, ...shown, storageBytes: shown.backupBytes + shown.schemaBytes };
}

export function saasTenantRoutes(deps: AppDeps) {
  const admin = { db: deps.db, resolver: deps.resolver };
  return new Hono<AppEnv>()
    .use(requireSuperAdmin(deps))
    .get(
      "/",
      jsonResponse(out.tenantPage, "A page of tenants with their figures"),
      validate("query", listQuery),
      async (c) => {
        const page = await listTenants(deps.db, c.req.valid("query"));
        const stats = await tenantStats(deps.db, page.items);
        return c.json({ ...page, items: page.items.map((t) => withStats(t, stats.get(t.id))) });
      },
    )
    .post(
      "/",
      jsonResponse(z.object({ tenant: out.tenantRow }), "The new tenant", { status: 201 }),
      validate("json", createBody),
      async (c) => {
        const tenant = await onboardTenant(admin, c.req.valid("json"), superAdminActor(c));
        return c.json({ tenant: await getTenant(deps.db, tenant.id) }, 201);
      },
    )
    .get(
      "/:id",
      jsonResponse(z.object({ tenant: out.tenantWithStats }), "The tenant with its figures"),
      validate("param", idParam),
      async (c) => {
        const tenant = await getTenant(deps.db, c.req.valid("param").id);
        // One tenant: the exact size is affordable.
        const stats = await tenantStats(deps.db, [tenant], { exactSizes: true });
        return c.json({ tenant: withStats(tenant, stats.get(tenant.id)) });
      },
    )
    .patch(
      "/:id",
      jsonResponse(z.object({ tenant: out.tenantRow }), "The tenant as changed"),
      validate("param", idParam),
      validate("json", patchBody),
      async (c) => {
        const { id } = c.req.valid("param");
        const { slug, ...rest } = c.req.valid("json");
        // Rename first: if the new slug is taken nothing else is changed either.
        if (slug) await renameTenant(admin, { id, slug }, superAdminActor(c));
        const tenant = await updateTenant(admin, { id, ...rest }, superAdminActor(c));
        return c.json({ tenant });
      },
    )
    .post(
      "/:id/suspend",
      jsonResponse(z.object({ tenant: out.tenantRow }), "Suspended"),
      validate("param", idParam),
      async (c) =>
        c.json({
          tenant: await setTenantStatus(
            admin,
            { id: c.req.valid("param").id, status: "suspended" },
            superAdminActor(c),
          ),
        }),
    )
    .post(
      "/:id/resume",
      jsonResponse(z.object({ tenant: out.tenantRow }), "Active again"),
      validate("param", idParam),
      async (c) =>
        c.json({
          tenant: await setTenantStatus(admin, { id: c.req.valid("param").id, status: "active" }, superAdminActor(c)),
        }),
    )
    .post(
      "/:id/migrated",
      jsonResponse(z.object({ tenant: out.tenantRow }), "Marked as moved elsewhere"),
      validate("param", idParam),
      validate("json", z.object({ location: z.string().url().max(500) })),
      async (c) =>
        c.json({
          tenant: await setTenantStatus(
            admin,
            { id: c.req.valid("param").id, status: "migrated", migratedTo: c.req.valid("json").location },
            superAdminActor(c),
          ),
        }),
    )
    .delete(
      "/:id",
      jsonResponse(z.object({ tenant: out.tenantRow }), "Deleted (purge removes its data)"),
      validate("param", idParam),
      async (c) =>
        c.json({
          tenant: await setTenantStatus(admin, { id: c.req.valid("param").id, status: "deleted" }, superAdminActor(c)),
        }),
    )
    .get(
      "/:id/placement",
      jsonResponse(z.object({ placement }), "Where the tenant's schema is (Citus)"),
      validate("param", idParam),
      async (c) => {
        // Citus: the node holding the tenant's schema and the cluster's nodes; distributed: false on plain PostgreSQL.
        return c.json({ placement: await tenantPlacement(deps.db, c.req.valid("param").id) });
      },
    )
    .post(
      "/:id/move",
      jsonResponse(moveResult, "The tenant's schema, moved (or already there)"),
      validate("param", idParam),
      validate("json", moveBody),
      async (c) => {
        // Citus: moves the tenant's schema to another worker while in use; 409 not_distributed otherwise.
        const input = { id: c.req.valid("param").id, ...c.req.valid("json") };
        return c.json(await moveTenant(deps.db, input, superAdminActor(c)));
      },
    )
    .post(
      "/:id/purge",
      noContent("The tenant's schema and data are gone"),
      validate("param", idParam),
      validate("json", z.object({ confirmSlug: z.string().min(1).max(63) })),
      async (c) => {
        await purgeTenant(admin, { id: c.req.valid("param").id, ...c.req.valid("json") }, superAdminActor(c));
        return c.body(null, 204);
      },
    );
}
