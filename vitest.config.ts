import { defineConfig } from "vitest/config";

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

export default defineConfig({
  test: {
    globalSetup: ["tests/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers only add contention with PostgreSQL.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "default",
          include: ["apps/*/src/**/*.test.ts", "packages/*/src/**/*.test.ts", "tests/**/*.test.ts"],
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
      // Panel component tests (happy-dom + vite-plugin-solid), configured next to the panel.
      "apps/panel/vitest.config.ts",
    ],
  },
});
