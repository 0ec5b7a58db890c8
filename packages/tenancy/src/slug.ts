import { TenancyError } from "./errors.ts";

export const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const SLUG_MIN = 3;
export const SLUG_MAX = 40;

// Names that must never become a tenant host: infrastructure, the console, mail and common
// phishing bait.
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "www",
  "api",
  "admin",
  "administrator",
  "saas",
  "mail",
  "smtp",
  "imap",
  "pop",
  "pop3",
  "webmail",
  "app",
  "apps",
  "static",
  "assets",
  "cdn",
  "media",
  "files",
  "uploads",
  "backup",
  "backups",
  "dashboard",
  "console",
  "panel",
  "portal",
  "login",
  "signup",
  "register",
  "auth",
  "oauth",
  "sso",
  "account",
  "accounts",
  "billing",
  "pay",
  "payment",
  "payments",
  "support",
  "help",
  "docs",
  "status",
  "blog",
  "news",
  "dev",
  "test",
  "staging",
  "internal",
  "root",
  "system",
  "superadmin",
  "super-admin",
  "radius",
  "vpn",
  "wireguard",
  "ns",
  "ns1",
  "ns2",
  "dns",
  "mx",
  "ftp",
  "git",
  "proxpanel",
  "localhost",
  "tenant",
  "tenants",
  "public",
  // tenant_template is the schema tenant migrations are generated against.
  "template",
  "templates",
  "default",
  "null",
  "undefined",
]);

export function slugProblem(slug: string): string | undefined {
  if (slug.length < SLUG_MIN || slug.length > SLUG_MAX) return `must be ${SLUG_MIN}–${SLUG_MAX} characters`;
  if (!SLUG_RE.test(slug)) {
    return "may contain only lowercase letters, digits and single dashes, and cannot start or end with a dash";
  }
  return undefined;
}

/** Our own names, and pg-… (names PostgreSQL or its extensions may claim, pg_catalog, pg_toast…). */
export function isReservedSlug(slug: string): boolean {
  return RESERVED_SLUGS.has(slug) || slug.startsWith("pg-");
}

export function assertValidSlug(slug: string): void {
  const problem = slugProblem(slug);
  if (problem) throw new TenancyError("invalid_slug", `Slug ${problem}.`);
  // pg-…: names PostgreSQL or its extensions may claim (pg_catalog, pg_toast…), kept clear of our schema names.
  if (RESERVED_SLUGS.has(slug) || slug.startsWith("pg-"))
    throw new TenancyError("reserved_slug", `The slug "${slug}" is reserved.`);
}

/** `tenant_<slug>` with dashes as underscores; injective because slugs have no underscores. */
export function schemaNameFor(slug: string): string {
  return `tenant_${slug.replaceAll("-", "_")}`;
}
