import { type Db, tenants } from "@proxpanel/db";
import { enqueueMail } from "@proxpanel/mail";
import { and, asc, gt, inArray, sql } from "drizzle-orm";
import { workspaceLinksMail } from "../../services/mail-templates.ts";
import { type PublicUrlDeps, tenantPublicUrl } from "../../services/public-url.ts";

// Schemas per statement: one UNION ALL of indexed lookups (users_email_key) per chunk.
const CHUNK = 200;
// A person in more workspaces than this is told about the first ones only.
const MAX_LINKS = 20;

/**
 * The workspaces where an active staff account uses this address. Each tenant's users live in its
 * own schema and that is the only truth (restores and imports replace it wholesale), so this asks
 * every live schema, a chunk at a time, instead of keeping a directory that could drift.
 */
export async function workspacesFor(db: Db, email: string) {
  const live = await db
    .select({ id: tenants.id, slug: tenants.slug, schemaName: tenants.schemaName, companyName: tenants.companyName })
    .from(tenants)
    .where(and(inArray(tenants.status, ["active", "suspended"]), gt(tenants.schemaVersion, 0)))
    .orderBy(asc(tenants.slug));
  const found: typeof live = [];
  for (let i = 0; i < live.length && found.length < MAX_LINKS; i += CHUNK) {
    const chunk = live.slice(i, i + CHUNK);
    const parts = chunk.map(
      (t, k) =>
        sql`select ${k}::int as k from ${sql.identifier(t.schemaName)}.users where lower(email) = ${email} and status = 'active'`,
    );
    const rows = await db.execute<{ k: number }>(sql.join(parts, sql` union all `));
    for (const r of rows) {
      const t = chunk[r.k];
      if (t) found.push(t);
    }
  }
  return found.slice(0, MAX_LINKS);
}

/** Mails the sign-in addresses of every workspace the address belongs to; nothing when none. */
export async function mailWorkspaceLinks(deps: PublicUrlDeps & { db: Db }, email: string): Promise<number> {
  const found = await workspacesFor(deps.db, email.toLowerCase());
  if (!found.length) return 0;
  const links = await Promise.all(
    found.map(async (t) => ({ name: t.companyName, url: await tenantPublicUrl(deps, t) })),
  );
  await enqueueMail(deps.db, workspaceLinksMail({ to: email, links }));
  return found.length;
}
