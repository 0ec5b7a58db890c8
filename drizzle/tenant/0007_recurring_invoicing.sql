CREATE TABLE "tenant_template"."credit_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigint NOT NULL,
	"invoice_id" uuid NOT NULL,
	"subscriber_id" uuid,
	"amount_cents" bigint NOT NULL,
	"reason" text NOT NULL,
	"actor_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_notes_amount_check" CHECK ("tenant_template"."credit_notes"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."document_counters" (
	"kind" text PRIMARY KEY NOT NULL,
	"last_number" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."tax_rates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"basis_points" integer NOT NULL,
	"inclusive" boolean DEFAULT false NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tax_rates_bp_check" CHECK ("tenant_template"."tax_rates"."basis_points" >= 0 and "tenant_template"."tax_rates"."basis_points" <= 10000)
);
--> statement-breakpoint
-- Numbers now come from document_counters (gapless, per tenant); the serial sequence goes. Default
-- and sequence go before the type changes: Citus refuses a type change on a column that owns a
-- sequence (the same result on plain PostgreSQL).
ALTER TABLE "tenant_template"."invoices" ALTER COLUMN "number" DROP DEFAULT;--> statement-breakpoint
DROP SEQUENCE IF EXISTS "tenant_template"."invoices_number_seq";--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ALTER COLUMN "number" SET DATA TYPE bigint;--> statement-breakpoint
INSERT INTO "tenant_template"."document_counters" ("kind", "last_number") SELECT 'invoice', max("number") FROM "tenant_template"."invoices" HAVING count(*) > 0;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "subtotal_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "tax_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "tax_name" text;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "tax_basis_points" integer;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "tax_inclusive" boolean;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "lines" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "amount_paid_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "credited_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD COLUMN "cycle_key" text;--> statement-breakpoint
UPDATE "tenant_template"."invoices" SET "subtotal_cents" = "amount_cents", "amount_paid_cents" = CASE WHEN "status" = 'paid' THEN "amount_cents" ELSE 0 END;--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD COLUMN "billing_mode" text DEFAULT 'prepaid' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD COLUMN "billing_suspended_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_notes_number_key" ON "tenant_template"."credit_notes" USING btree ("number");--> statement-breakpoint
CREATE INDEX "credit_notes_invoice_idx" ON "tenant_template"."credit_notes" USING btree ("invoice_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tax_rates_name_key" ON "tenant_template"."tax_rates" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "tax_rates_default_key" ON "tenant_template"."tax_rates" USING btree ("is_default") WHERE "tenant_template"."tax_rates"."is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_cycle_key" ON "tenant_template"."invoices" USING btree ("cycle_key");--> statement-breakpoint
CREATE INDEX "invoices_due_idx" ON "tenant_template"."invoices" USING btree ("due_at") WHERE "tenant_template"."invoices"."status" = 'unpaid';--> statement-breakpoint
ALTER TABLE "tenant_template"."invoices" ADD CONSTRAINT "invoices_paid_check" CHECK ("tenant_template"."invoices"."amount_paid_cents" >= 0 and "tenant_template"."invoices"."credited_cents" >= 0);