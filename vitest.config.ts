import { configDefaults, defineConfig } from "vitest/config";

// Suites re-run with the API in standalone mode (see tests/harness.ts, STANDALONE_TEST_MODE).
const STANDALONE_SUITES = [
  "apps/api/src/routes/subscribers/subscribers.test.ts",
  "apps/api/src/routes/subscribers/subscribers.security.test.ts",
  "apps/api/src/routes/nas/nas.test.ts",
  "apps/api/src/routes/users/users.security.test.ts",
  "apps/api/src/routes/backups/backups.test.ts",
  "apps/api/src/routes/backups/backups.security.test.ts",
  "apps/api/src/routes/nas/nas.security.test.ts",
];

// Suites re-run against a local 3-node Citus cluster (coordinator + 2 workers, infra/citus/cluster.sh):
// onboarding, isolation, domains, RADIUS over the database, backups and restores, plus the Citus-only
// placement test. See the README's "Running on Citus".
const CITUS_SUITES = [
  "apps/api/src/routes/signup/onboarding.test.ts",
  "apps/api/src/tenant-isolation.security.test.ts",
  "apps/api/src/routes/domains/domains.test.ts",
  "apps/api/src/routes/domains/domains.security.test.ts",
  "apps/radius/src/db-source.test.ts",
  "packages/db/src/migrate/tenant.test.ts",
  "packages/backup/src/backup.test.ts",
  "packages/backup/src/restore-swap.test.ts",
  "apps/api/src/routes/backups/backups.test.ts",
  "tests/citus/*.test.ts",
];

export default defineConfig({
  test: {
    globalSetup: ["tests/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // expect.poll's own default is 1 s: on two loaded cores a page's second request (a tenant's
    // branding after the first paint) took longer and failed a browser test that was otherwise
    // right. Every poll without a timeout of its own waits up to 10 s.
    expect: { poll: { timeout: 10_000 } },
    // Two cores: more workers only add contention with PostgreSQL.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "default",
          include: ["apps/*/src/**/*.test.ts", "packages/*/src/**/*.test.ts", "tests/**/*.test.ts"],
          // Citus-only tests need the cluster: they run in the citus project.
          exclude: [...configDefaults.exclude, "tests/citus/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "standalone",
          include: STANDALONE_SUITES,
          env: { PROXPANEL_TEST_MODE: "standalone" },
          // Added after the shared setup: a database of its own (see the file).
          globalSetup: ["tests/standalone-global-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "citus",
          include: CITUS_SUITES,
          // The cluster's own database (see the file); the setup file points TEST_DATABASE_URL at it.
          globalSetup: ["tests/citus/global-setup.ts"],
          setupFiles: ["tests/citus/setup.ts"],
          // Each DDL statement of a distributed schema also goes to its worker and to the other
          // nodes' metadata: creating and migrating schemas takes several times as long as on one server.
          testTimeout: 120_000,
        },
      },
      // Panel component tests (happy-dom + vite-plugin-solid), configured next to the panel.
      "apps/panel/vitest.config.ts",
    ],
  },
});
