CREATE TABLE "tenant_template"."voucher_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"count" integer NOT NULL,
	"plan_id" uuid,
	"time_limit_s" integer,
	"data_limit_bytes" bigint,
	"rate_limit" text,
	"validity_s" integer,
	"price_cents" bigint DEFAULT 0 NOT NULL,
	"code_length" integer NOT NULL,
	"alphabet" text NOT NULL,
	"prefix" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"reseller_id" uuid,
	"charged_cents" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "voucher_batches_count_check" CHECK ("tenant_template"."voucher_batches"."count" > 0),
	CONSTRAINT "voucher_batches_price_check" CHECK ("tenant_template"."voucher_batches"."price_cents" >= 0 and "tenant_template"."voucher_batches"."charged_cents" >= 0),
	CONSTRAINT "voucher_batches_limits_check" CHECK (coalesce("tenant_template"."voucher_batches"."time_limit_s", 1) > 0 and coalesce("tenant_template"."voucher_batches"."data_limit_bytes", 1) > 0 and coalesce("tenant_template"."voucher_batches"."validity_s", 1) > 0)
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."vouchers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"batch_id" uuid NOT NULL,
	"code" text NOT NULL,
	"status" text DEFAULT 'unused' NOT NULL,
	"first_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"used_seconds" bigint DEFAULT 0 NOT NULL,
	"used_bytes" bigint DEFAULT 0 NOT NULL,
	"last_session_id" text,
	"last_used_at" timestamp with time zone,
	"reseller_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vouchers_code_check" CHECK ("tenant_template"."vouchers"."code" ~ '^[A-Za-z0-9._@-]{4,64}$')
);
--> statement-breakpoint
CREATE INDEX "voucher_batches_created_idx" ON "tenant_template"."voucher_batches" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "voucher_batches_reseller_idx" ON "tenant_template"."voucher_batches" USING btree ("reseller_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "vouchers_code_key" ON "tenant_template"."vouchers" USING btree (lower("code"));--> statement-breakpoint
CREATE INDEX "vouchers_batch_idx" ON "tenant_template"."vouchers" USING btree ("batch_id","code");--> statement-breakpoint
CREATE INDEX "vouchers_status_idx" ON "tenant_template"."vouchers" USING btree ("status");