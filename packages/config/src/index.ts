import { z } from "zod";

export * from "./startup-error.ts";

// Empty strings in the environment mean "not set", so `FOO= npm start` falls back to the default.
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());
const csv = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default("0.0.0.0"),
    BASE_DOMAIN: z
      .string()
      .default("localhost")
      .transform((s) => s.toLowerCase().replace(/\.$/, "")),
    DATABASE_URL: optionalString,
    REDIS_URL: optionalString,
    // Prefix of every Redis key and channel this installation uses, so installations sharing a
    // Redis server never see each other's events, caches or rate limits. Default: derived from the
    // database (host, port and name), which is what makes two processes one installation.
    REDIS_PREFIX: optionalString,
    // Without REDIS_URL: "database" carries events over PostgreSQL LISTEN/NOTIFY, so the API, the
    // RADIUS daemon, the worker and the CLIs on one database hear each other (`npm start` runs three
    // processes); "memory" keeps them inside the process.
    SHARED_STATE: z.enum(["database", "memory"]).default("database"),
    DATA_DIR: z.string().default(".data"),
    EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
    DB_POOL_MAX: z.coerce.number().int().min(1).default(20),
    // Per statement, on the API's pool: a runaway report is cancelled instead of holding a connection.
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    // Requests one tenant may have in flight per API instance; the rest queue. Keep it well under
    // DB_POOL_MAX so one tenant can never take the whole pool.
    TENANT_CONCURRENCY: z.coerce.number().int().min(1).default(6),
    TENANT_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    // Restores running at once per API instance (each holds 4 pooled connections); more wait, queued.
    RESTORE_CONCURRENCY: z.coerce.number().int().min(1).default(2),
    SAAS_TENANT_JWT_SECRET: optionalString,
    SAAS_SUPERADMIN_JWT_SECRET: optionalString,
    // Cluster key from which per-tenant keys for stored secrets are derived (generated outside
    // production, like the JWT secrets).
    DATA_ENCRYPTION_KEY: optionalString,
    // Backups: cluster license key (generated outside production), staging directory for archives
    // waiting to upload (default <DATA_DIR>/backup-staging), optional S3 store (default: a local
    // directory under <DATA_DIR>/object-store).
    BACKUP_LICENSE_KEY: optionalString,
    BACKUP_STAGING_DIR: optionalString,
    S3_ENDPOINT: optionalString,
    S3_BUCKET: optionalString,
    S3_ACCESS_KEY: optionalString,
    S3_SECRET_KEY: optionalString,
    S3_REGION: z.string().default("us-east-1"),
    // Cluster backup of the `public` schema to cloud_backups/cluster/ (cron in cluster time) and
    // how many of those archives the store keeps.
    CLUSTER_BACKUP_CRON: z.string().default("15 3 * * *"),
    CLUSTER_BACKUP_KEEP: z.coerce.number().int().min(1).default(14),
    TENANT_TOKEN_TTL: z.string().default("12h"),
    SUPERADMIN_TOKEN_TTL: z.string().default("2h"),
    TRUSTED_PROXIES: csv.default([]),
    // When set, forwarded headers count only on requests that also carry X-Proxpanel-Edge with this
    // value (the edge adds it): a process that merely reaches the API port from a trusted address
    // cannot pick a tenant with X-Forwarded-Host. `START_TLS=true npm start` sets a random one.
    TRUSTED_PROXY_SECRET: optionalString,
    // Resolvers for custom-domain TXT checks ("ip" or "ip:port", comma list); empty = the system's.
    DNS_SERVERS: csv.default([]),
    // How long an unverified claim on a shared name (a custom domain, a NAS address without a
    // NAS-Identifier) holds before anyone else may take it.
    CLAIM_TTL_HOURS: z.coerce.number().positive().default(72),
    // Signed-in requests per tenant a minute. Requests without a valid token of the tenant draw on
    // budgets of their own (per client address, and per tenant), so anonymous floods cannot lock
    // the tenant's staff out.
    TENANT_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(300),
    // The most of that budget a tenant may spend at once: it is handed out in short windows of
    // this many requests (each window its share of the minute, whole seconds), so a tenant cannot
    // spend the whole minute in a burst at the window's start. At or above the minute's budget,
    // the minute alone counts.
    TENANT_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(60),
    // A tenant past its budget gets its 429s this much later (at most 1,024 held at once): a client
    // that ignores Retry-After then costs one refusal per connection per hold, not thousands a second
    // on the event loop its neighbours share (README, Benchmarks: noisy neighbour). 0: at once.
    RATE_LIMIT_REFUSAL_HOLD_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
    ANON_RATE_LIMIT_PER_MIN_PER_IP: z.coerce.number().int().min(1).default(120),
    ANON_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(1200),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
    LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(50),
    RESOLVER_TTL_MS: z.coerce.number().int().min(0).default(60_000),
    RESOLVER_NEGATIVE_TTL_MS: z.coerce.number().int().min(0).default(5_000),
    RESOLVER_MAX_ENTRIES: z.coerce.number().int().min(1).default(10_000),
    TENANT_CLIENT_CACHE_MAX: z.coerce.number().int().min(1).default(1_000),
    MIGRATE_CONCURRENCY: z.coerce.number().int().min(1).default(4),
    // Whole tenant schemas the worker keeps built ahead, so a signup renames one into place instead of
    // building ≈ 30 tables in its transaction (plain PostgreSQL; ignored on Citus). 0: always build.
    // The test suites set 0 (tests/global-setup.ts): their workers share one database.
    TENANT_SPARE_SCHEMAS: z.coerce.number().int().min(0).max(50).default(2),
    // `START_TLS=true npm start` puts a local Caddy (internal CA) in front of the API.
    START_TLS: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    TLS_PORT: z.coerce.number().int().min(1).max(65535).default(8443),
    TLS_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(8081),
    SEED_DEMO: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    SUPERADMIN_EMAIL: z.string().email().default("admin@proxpanel.local"),
    SUPERADMIN_PASSWORD: optionalString,
    // Production should say true: console access then needs a confirmed TOTP enrolment.
    SUPERADMIN_REQUIRE_TOTP: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    // The RADIUS daemon: inside `npm start` when enabled, and apps/radius as its own process.
    RADIUS_ENABLED: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    RADIUS_HOST: z.string().default("0.0.0.0"),
    RADIUS_AUTH_PORT: z.coerce.number().int().min(0).max(65535).default(1812),
    RADIUS_ACCT_PORT: z.coerce.number().int().min(0).max(65535).default(1813),
    // Acct-Interim-Interval sent to NAS (s); sessions silent for 3x this are closed by the worker.
    RADIUS_INTERIM_INTERVAL: z.coerce.number().int().min(60).max(86_400).default(300),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    // auto: readable lines at a terminal, JSON lines otherwise (a log collector, a file).
    LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
    // E-mail relay: smtp://user:pass@host:port (smtps:// for implicit TLS). Unset = mail stays queued.
    SMTP_URL: optionalString,
    MAIL_FROM: z.string().default("ProxPanel <no-reply@localhost>"),
    // Where operator alerts (backups, tenants over quota) are mailed; unset = not mailed.
    OPERATOR_ALERT_EMAIL: optionalString,
    MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(8),
    // Tenants' SMS: Twilio's API (a regional edge such as https://api.dublin.ie1.twilio.com, or a
    // local fake in tests), and whether a tenant's HTTP gateway may be a private or loopback address
    // (an install whose gateway is on its LAN; never on a shared SaaS: tenants could aim our requests
    // inward).
    TWILIO_API_BASE: z.string().url().default("https://api.twilio.com"),
    SMS_GATEWAY_ALLOW_PRIVATE: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    PASSWORD_RESET_TTL_MIN: z.coerce.number().int().min(1).max(1440).default(30),
    // How links in e-mail reach the panel: scheme (default https in production, http otherwise)
    // and a port to add when browsers do not use the scheme's own (e.g. 8080 for `npm start`).
    PUBLIC_SCHEME: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["http", "https"]).optional()),
    PUBLIC_PORT: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(65535).optional()),
    // Tenants' payment providers are reached only at public addresses; tests and a local fake
    // provider need loopback (never in production: a tenant could aim our requests inward).
    PAYMENTS_ALLOW_LOOPBACK: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    // Billing webhook (Stripe-compatible signatures). Unset secret = the endpoint refuses everything.
    BILLING_WEBHOOK_SECRET: optionalString,
    BILLING_WEBHOOK_TOLERANCE_S: z.coerce.number().int().min(1).default(300),
    // How long a lapsed subscription keeps working before the tenant is suspended.
    BILLING_GRACE_PERIOD_S: z.coerce
      .number()
      .int()
      .min(0)
      .default(7 * 24 * 3600),
    // `standalone`: a single-ISP install. Every host is the one tenant below; signup and the
    // super-admin console answer 404. Only the tenant resolution differs from `saas`.
    PROXPANEL_MODE: z.enum(["saas", "standalone"]).default("saas"),
    STANDALONE_TENANT_SLUG: z.string().default("isp"),
    // First start of a standalone install only: the tenant and its owner are created from these.
    STANDALONE_COMPANY_NAME: z.string().default("My ISP"),
    STANDALONE_ADMIN_EMAIL: z.string().email().default("admin@isp.local"),
    STANDALONE_ADMIN_PASSWORD: optionalString,
    // Prometheus scrape endpoints: each process answers GET /metrics on its own listener, never on
    // the public port (tenant hosts cannot reach it). Loopback by default; 0 picks a free port.
    METRICS_ENABLED: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    METRICS_HOST: z.string().default("127.0.0.1"),
    API_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    RADIUS_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9466),
    // Tenants with series of their own; the rest are summed as tenant="other".
    METRICS_TOP_TENANTS: z.coerce.number().int().min(0).max(1000).default(20),
    // On SIGTERM: how long in-flight requests, accounting writes and a running backup get to finish.
    SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  })
  .superRefine((env, ctx) => {
    if (env.TENANT_CONCURRENCY >= env.DB_POOL_MAX) {
      ctx.addIssue({
        code: "custom",
        path: ["TENANT_CONCURRENCY"],
        message: "TENANT_CONCURRENCY must be lower than DB_POOL_MAX, or one tenant could take every connection",
      });
    }
    // Sharing one secret across realms would let a tenant token pass as a super-admin token.
    if (
      env.SAAS_TENANT_JWT_SECRET &&
      env.SAAS_SUPERADMIN_JWT_SECRET &&
      env.SAAS_TENANT_JWT_SECRET === env.SAAS_SUPERADMIN_JWT_SECRET
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["SAAS_SUPERADMIN_JWT_SECRET"],
        message: "SAAS_TENANT_JWT_SECRET and SAAS_SUPERADMIN_JWT_SECRET must differ",
      });
    }
    if (env.NODE_ENV === "production") {
      for (const key of [
        "SAAS_TENANT_JWT_SECRET",
        "SAAS_SUPERADMIN_JWT_SECRET",
        "DATABASE_URL",
        "DATA_ENCRYPTION_KEY",
        "BACKUP_LICENSE_KEY",
      ] as const) {
        if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: `${key} is required in production` });
      }
    }
    if (env.NODE_ENV === "production" && env.PROXPANEL_MODE === "standalone" && !env.STANDALONE_ADMIN_PASSWORD) {
      ctx.addIssue({
        code: "custom",
        path: ["STANDALONE_ADMIN_PASSWORD"],
        message: "STANDALONE_ADMIN_PASSWORD is required in production standalone mode (used on first start only)",
      });
    }
    // Half a store would silently fall back to the local directory; refuse it instead.
    const s3 = [env.S3_ENDPOINT, env.S3_BUCKET, env.S3_ACCESS_KEY, env.S3_SECRET_KEY];
    if (s3.some(Boolean) && !s3.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["S3_ENDPOINT"],
        message: "S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY go together",
      });
    }
    for (const key of ["SAAS_TENANT_JWT_SECRET", "SAAS_SUPERADMIN_JWT_SECRET"] as const) {
      const v = env[key];
      if (v && v.length < 32)
        ctx.addIssue({ code: "custom", path: [key], message: `${key} must be at least 32 characters` });
    }
  });

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** For process entry points: a bad configuration is printed as a readable list and the process exits 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
