DROP INDEX "tenant_template"."radacct_username_idx";--> statement-breakpoint
DROP INDEX "tenant_template"."radacct_nas_idx";--> statement-breakpoint
ALTER TABLE "tenant_template"."radacct" ALTER COLUMN "acct_unique_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
CREATE INDEX "radacct_nas_open_idx" ON "tenant_template"."radacct" USING btree ("nas_id","start_time") WHERE "tenant_template"."radacct"."stop_time" is null;--> statement-breakpoint
CREATE INDEX "radacct_start_brin" ON "tenant_template"."radacct" USING brin ("start_time");