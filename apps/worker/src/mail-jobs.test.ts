import { loadConfig } from "@proxpanel/config";
import type { Db } from "@proxpanel/db";
import { backoffMs } from "@proxpanel/mail";
import type { TenantResolver } from "@proxpanel/tenancy";
import { Cron } from "croner";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { systemJobs } from "./mail-jobs.ts";

// The jobs are only created, never run: no database is touched.
const db = {} as Db;
const resolver = {} as TenantResolver;
const logger = pino({ level: "silent" });
const names = (env: Record<string, string>, withResolver: boolean) => {
  const config = loadConfig({ NODE_ENV: "test", ...env });
  const jobs = systemJobs(
    { db, logger, config, ...(withResolver ? { resolver } : {}) },
    (name, pattern, fn) =>
      new Cron(pattern, { name, paused: true }, async () => {
        await fn();
      }),
  );
  for (const j of jobs) j.stop();
  return jobs.map((j) => j.name);
};

describe("worker system jobs", () => {
  it("start only what is configured", () => {
    expect(names({}, false)).toEqual([]);
    expect(names({ SMTP_URL: "smtp://127.0.0.1:2525" }, false)).toEqual(["mail-delivery"]);
    expect(names({ SMTP_URL: "smtp://127.0.0.1:2525", OPERATOR_ALERT_EMAIL: "ops@x.example" }, true)).toEqual([
      "mail-delivery",
      "mail-alerts",
      "billing-grace",
    ]);
  });

  it("back off exponentially from one minute up to six hours", () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(backoffMs(30)).toBe(6 * 3600_000);
  });
});
