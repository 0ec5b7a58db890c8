import { randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import type { Config } from "@proxpanel/config";
import { type Db, superAdminAudit, tenants } from "@proxpanel/db";
import type { TenantResolver } from "@proxpanel/tenancy";
import { and, eq, isNull, ne } from "drizzle-orm";
import { AppError, ErrorCode } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

export const CHALLENGE_LABEL = "_proxpanel-challenge";

/** TXT lookup: one answer per record, its character-strings joined as DNS clients show them. */
export type TxtLookup = (name: string) => Promise<string[]>;

export interface DomainDeps {
  db: Db;
  resolver: TenantResolver;
  config: Pick<Config, "BASE_DOMAIN" | "CLAIM_TTL_HOURS">;
  lookupTxt: TxtLookup;
}

export interface DomainState {
  domain: string | null;
  /** expired: an unverified claim older than CLAIM_TTL_HOURS; setting the domain again renews it. */
  status: "none" | "pending" | "verified" | "expired";
  verifiedAt: string | null;
  /** What the tenant has to publish: the ownership proof and where the name must point. */
  dns: { txt: { name: string; value: string }; cname: { name: string; target: string } } | null;
}

// Names a browser or the LAN resolves by itself; a certificate for them proves nothing.
const LOCAL_SUFFIXES = ["localhost", "local", "internal", "invalid", "arpa"];
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const invalid = (message: string) =>
  new AppError(400, ErrorCode.validation, `Invalid domain: ${message}`, [{ path: "domain", message }]);

/**
 * Lower-case ASCII (IDNs as punycode), no trailing dot, at least two well-formed labels, not an
 * address, not a local-only name, and nothing of ours: the base domain and everything under it are
 * served by the wildcard and must never be claimable by a tenant.
 */
export function normalizeDomain(raw: string, baseDomain: string): string {
  let name = raw.trim().toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, ""))) throw invalid("an IP address cannot be a custom domain");
  const ascii = domainToASCII(name);
  if (!ascii || ascii.length > 253) throw invalid("not a valid hostname");
  const labels = ascii.split(".");
  if (labels.length < 2) throw invalid("use a full domain name such as panel.example.com");
  if (!labels.every((l) => LABEL_RE.test(l))) throw invalid("not a valid hostname");
  const tld = labels.at(-1) ?? "";
  if (/^[0-9]+$/.test(tld)) throw invalid("not a valid hostname");
  if (LOCAL_SUFFIXES.includes(tld)) throw invalid("local-only names cannot get a public certificate");
  if (ascii === baseDomain || ascii.endsWith(`.${baseDomain}`)) {
    throw invalid(`names under ${baseDomain} are already served; choose a domain of your own`);
  }
  return ascii;
}

/** node's DNS resolver, pointed at DNS_SERVERS when set; a slow server fails instead of hanging. */
export function dnsTxtLookup(servers: readonly string[]): TxtLookup {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return async (name) => {
    try {
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(""));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENODATA" || code === "ENOTFOUND") return [];
      throw new AppError(503, ErrorCode.unavailable, "The DNS lookup failed; try again in a minute.");
    }
  };
}

type Row = { domain: string | null; verifiedAt: Date | null; token: string | null; claimedAt: Date | null };

const claimExpired = (deps: Pick<DomainDeps, "config">, row: Row) =>
  !row.verifiedAt && (row.claimedAt?.getTime() ?? 0) < Date.now() - deps.config.CLAIM_TTL_HOURS * 3_600_000;

async function readRow(ctx: ServiceCtx, opts: { lock?: boolean } = {}): Promise<Row> {
  const q = ctx.db
    .select({
      domain: tenants.customDomain,
      verifiedAt: tenants.customDomainVerifiedAt,
      token: tenants.customDomainToken,
      claimedAt: tenants.customDomainClaimedAt,
    })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenant.id));
  const [row] = opts.lock ? await q.for("update") : await q;
  return row ?? { domain: null, verifiedAt: null, token: null, claimedAt: null };
}

function present(deps: Pick<DomainDeps, "resolver" | "config">, ctx: ServiceCtx, row: Row): DomainState {
  if (!row.domain) return { domain: null, status: "none", verifiedAt: null, dns: null };
  return {
    domain: row.domain,
    status: row.verifiedAt ? "verified" : claimExpired(deps, row) ? "expired" : "pending",
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    dns: {
      txt: { name: `${CHALLENGE_LABEL}.${row.domain}`, value: row.token ?? "" },
      cname: { name: row.domain, target: deps.resolver.hostFor(ctx.tenant.slug) },
    },
  };
}

export async function getDomain(deps: Pick<DomainDeps, "resolver" | "config">, { ctx }: { ctx: ServiceCtx }) {
  return present(deps, ctx, await readRow(ctx));
}

/**
 * Claims a domain for this tenant, unverified, with a fresh challenge token. A claim is not
 * exclusive until verified: any number of tenants may claim a name, so a claim says nothing about
 * who else holds it and cannot lock the real owner out; whoever publishes its TXT record wins.
 * Setting the same domain again keeps the token (a TXT record already published stays valid) and
 * renews an expired claim.
 */
export async function setDomain(
  deps: Pick<DomainDeps, "resolver" | "config">,
  { ctx, input }: { ctx: ServiceCtx; input: { domain: string } },
): Promise<DomainState> {
  const domain = normalizeDomain(input.domain, deps.config.BASE_DOMAIN);
  const { before, after } = await inTransaction(ctx, async (tx) => {
    const current = await readRow(tx, { lock: true });
    if (current.domain === domain && !claimExpired(deps, current)) return { before: current, after: current };
    const same = current.domain === domain;
    const next: Row = {
      domain,
      verifiedAt: null,
      token: same && current.token ? current.token : randomBytes(24).toString("base64url"),
      claimedAt: new Date(),
    };
    await tx.db
      .update(tenants)
      .set({
        customDomain: next.domain,
        customDomainVerifiedAt: null,
        customDomainToken: next.token,
        customDomainClaimedAt: next.claimedAt,
        updatedAt: new Date(),
      })
      .where(eq(tenants.id, tx.tenant.id));
    await writeAudit(tx, {
      action: same ? "custom_domain.renew" : "custom_domain.set",
      entityType: "custom_domain",
      entityId: domain,
      details: { before: { domain: current.domain, verified: Boolean(current.verifiedAt) }, after: { domain } },
    });
    return { before: current, after: next };
  });
  // The previous name (possibly verified and cached as ours) must stop answering at once.
  if (before.domain && before.domain !== after.domain) {
    await deps.resolver.invalidate({ tenantId: ctx.tenant.id, hosts: [before.domain, domain] });
  }
  return present(deps, ctx, after);
}

/**
 * Looks the TXT record up (outside any transaction: DNS can take seconds) and marks the domain
 * verified only if the token is there and the claim is still the one that was checked.
 */
export async function verifyDomain(
  deps: Pick<DomainDeps, "resolver" | "lookupTxt" | "config">,
  { ctx }: { ctx: ServiceCtx },
): Promise<DomainState> {
  const row = await readRow(ctx);
  if (!row.domain || !row.token) {
    throw new AppError(404, ErrorCode.notFound, "No custom domain is set; add one first.");
  }
  if (row.verifiedAt) return present(deps, ctx, row);
  if (claimExpired(deps, row)) {
    throw new AppError(
      409,
      ErrorCode.conflict,
      `The claim on ${row.domain} expired unverified; set the domain again to renew it (the TXT value stays the same).`,
    );
  }
  const { domain, token } = row;
  const txtName = `${CHALLENGE_LABEL}.${domain}`;
  const found = await deps.lookupTxt(txtName);
  if (!found.includes(token)) {
    throw new AppError(
      422,
      ErrorCode.validation,
      found.length === 0
        ? `No TXT record found at ${txtName}. DNS changes can take a few minutes to appear.`
        : `The TXT record at ${txtName} does not hold the expected value.`,
      [{ path: "domain", message: "TXT challenge not found", expected: { name: txtName, value: token } }],
    );
  }
  const verifiedAt = new Date();
  const released = await inTransaction(ctx, async (tx) => {
    // Publishing the TXT record proves control of the name now: any other tenant's claim on it,
    // pending or verified long ago, is released in the same transaction.
    const others = await tx.db
      .update(tenants)
      .set({
        customDomain: null,
        customDomainVerifiedAt: null,
        customDomainToken: null,
        customDomainClaimedAt: null,
        updatedAt: verifiedAt,
      })
      .where(and(eq(tenants.customDomain, domain), ne(tenants.id, tx.tenant.id)))
      .returning({ id: tenants.id });
    // The cross-tenant effect goes to the operators' log, never to the tenant that lost the name.
    if (others.length) {
      await tx.db.insert(superAdminAudit).values(
        others.map((o) => ({
          superAdminId: null,
          actor: `tenant:${tx.tenant.slug}`,
          action: "custom_domain.released",
          tenantId: o.id,
          details: { domain, claimedBy: tx.tenant.id },
        })),
      );
    }
    const updated = await tx.db
      .update(tenants)
      .set({ customDomainVerifiedAt: verifiedAt, updatedAt: verifiedAt })
      .where(
        and(
          eq(tenants.id, tx.tenant.id),
          eq(tenants.customDomain, domain),
          eq(tenants.customDomainToken, token),
          isNull(tenants.customDomainVerifiedAt),
        ),
      )
      .returning({ id: tenants.id });
    if (updated.length === 0) {
      throw new AppError(409, ErrorCode.conflict, "The custom domain changed while it was being verified.");
    }
    await writeAudit(tx, { action: "custom_domain.verify", entityType: "custom_domain", entityId: domain });
    return others;
  });
  // A negative cache entry for the name would otherwise hide the tenant for a few more seconds;
  // a tenant that lost the name must stop answering on it at once.
  await deps.resolver.invalidate({ tenantId: ctx.tenant.id, hosts: [domain] });
  for (const other of released) await deps.resolver.invalidate({ tenantId: other.id, hosts: [domain] });
  return present(deps, ctx, { domain, token, verifiedAt, claimedAt: row.claimedAt });
}

export async function removeDomain(deps: Pick<DomainDeps, "resolver">, { ctx }: { ctx: ServiceCtx }): Promise<void> {
  const before = await inTransaction(ctx, async (tx) => {
    const current = await readRow(tx, { lock: true });
    if (!current.domain) return current;
    await tx.db
      .update(tenants)
      .set({
        customDomain: null,
        customDomainVerifiedAt: null,
        customDomainToken: null,
        customDomainClaimedAt: null,
        updatedAt: new Date(),
      })
      .where(eq(tenants.id, tx.tenant.id));
    await writeAudit(tx, {
      action: "custom_domain.remove",
      entityType: "custom_domain",
      entityId: current.domain,
      details: { before: { domain: current.domain, verified: Boolean(current.verifiedAt) } },
    });
    return current;
  });
  if (before.domain) await deps.resolver.invalidate({ tenantId: ctx.tenant.id, hosts: [before.domain] });
}
