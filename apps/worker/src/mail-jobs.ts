import type { Config } from "@proxpanel/config";
import type { Db } from "@proxpanel/db";
import { createMailTransport, deliverDueMail, mailNewAlerts } from "@proxpanel/mail";
import type { TenantResolver } from "@proxpanel/tenancy";
import { suspendLapsedPastGrace } from "@proxpanel/tenancy";
import type { Cron } from "croner";
import type { Logger } from "pino";

export type JobFactory = (name: string, pattern: string, fn: () => Promise<unknown>) => Cron;

export interface SystemJobDeps {
  db: Db;
  logger: Logger;
  config?: Config;
  resolver?: TenantResolver;
}

/**
 * Mail delivery every 15 s, operator-alert pickup and the billing grace check every minute. Each
 * needs its configuration; without it the job is not started and start-up says so once.
 */
export function systemJobs(deps: SystemJobDeps, job: JobFactory): Cron[] {
  const { config } = deps;
  const log = deps.logger.child({ component: "worker" });
  const jobs: Cron[] = [];
  if (!config) return jobs;
  if (config.SMTP_URL) {
    const transport = createMailTransport(config.SMTP_URL);
    const mailDeps = { db: deps.db, transport, from: config.MAIL_FROM, maxAttempts: config.MAIL_MAX_ATTEMPTS };
    jobs.push(
      job("mail-delivery", "*/15 * * * * *", async () => {
        const r = await deliverDueMail(mailDeps);
        if (r.failed) log.warn(r, "mail deliveries failed for good (see the console's mail outbox)");
      }),
    );
  } else {
    log.warn("SMTP_URL is not set: e-mail stays queued in the outbox and is not sent");
  }
  const operator = config.OPERATOR_ALERT_EMAIL;
  if (operator) jobs.push(job("mail-alerts", "* * * * *", () => mailNewAlerts(deps, operator)));
  const resolver = deps.resolver;
  if (resolver) {
    jobs.push(job("billing-grace", "* * * * *", () => suspendLapsedPastGrace({ db: deps.db, resolver })));
  }
  return jobs;
}
