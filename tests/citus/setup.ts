import { inject } from "vitest";

// The citus project re-runs suites written for the default project: they read the run's database
// from TEST_DATABASE_URL, which here is the Citus coordinator's throw-away database. The run's
// plain PostgreSQL database (the shared global setup's) stays reachable for tests that copy a
// tenant between the two (tests/citus/transfer.test.ts).
process.env.TEST_PLAIN_DATABASE_URL ??= process.env.TEST_DATABASE_URL;
process.env.TEST_DATABASE_URL = inject("citusDatabaseUrl");
