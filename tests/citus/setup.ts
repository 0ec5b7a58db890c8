import { inject } from "vitest";

// The citus project re-runs suites written for the default project: they read the run's database
// from TEST_DATABASE_URL, which here is the Citus coordinator's throw-away database.
process.env.TEST_DATABASE_URL = inject("citusDatabaseUrl");
