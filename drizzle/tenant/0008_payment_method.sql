ALTER TABLE "tenant_template"."transactions" ADD COLUMN "method" text;--> statement-breakpoint
ALTER TABLE "tenant_template"."transactions" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "tenant_template"."transactions" ADD COLUMN "received_at" timestamp with time zone;