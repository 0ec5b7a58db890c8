import { Hono } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin } from "../../middleware/auth.ts";
import { validate } from "../../validate.ts";
import { reportCsv, reportPdf } from "./saas-report-export.ts";
import { usageReport, usageReportSchema } from "./saas-reports.ts";

const MAX_SPAN_DAYS = 400;
const DAY_MS = 86_400_000;

// A date ("2026-11-01", midnight UTC) or a full ISO timestamp with its offset.
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((s) => new Date(s));

const reportQuery = z
  .object({
    from: instant,
    to: instant,
    tenantId: z.uuid().optional(),
    format: z.enum(["json", "csv", "pdf"]).default("json"),
  })
  .refine((q) => q.from < q.to, { message: "must be after from", path: ["to"] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= MAX_SPAN_DAYS * DAY_MS, {
    message: `the period may span at most ${MAX_SPAN_DAYS} days`,
    path: ["to"],
  });

const day = (d: Date) => d.toISOString().slice(0, 10);

export function saasReportRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().use(requireSuperAdmin(deps)).get(
    "/usage",
    describeRoute({
      summary: "Billing and usage per tenant over a period (JSON, or CSV / PDF by `format`)",
      responses: {
        200: {
          description: "The report",
          content: {
            "application/json": { schema: resolver(usageReportSchema) },
            "text/csv": { schema: { type: "string" } },
            "application/pdf": { schema: { type: "string", format: "binary" } },
          },
        },
      },
    }),
    validate("query", reportQuery),
    async (c) => {
      const q = c.req.valid("query");
      const report = await usageReport(deps.db, { from: q.from, to: q.to }, q.tenantId);
      const base = `proxpanel-usage-${report.rows.length === 1 && q.tenantId ? report.rows[0]?.slug : "all"}-${day(q.from)}-${day(q.to)}`;
      if (q.format === "csv") {
        c.header("content-disposition", `attachment; filename="${base}.csv"`);
        return c.body(reportCsv(report), 200, { "content-type": "text/csv; charset=utf-8" });
      }
      if (q.format === "pdf") {
        const pdf = await reportPdf(report);
        c.header("content-disposition", `attachment; filename="${base}.pdf"`);
        return c.body(new Uint8Array(pdf), 200, { "content-type": "application/pdf" });
      }
      return c.json(report);
    },
  );
}
