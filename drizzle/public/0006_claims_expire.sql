DROP INDEX "tenants_custom_domain_key";--> statement-breakpoint
ALTER TABLE "nas_routes" ADD COLUMN "claimed_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "nas_routes" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "custom_domain_claimed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "tenants_custom_domain_idx" ON "tenants" USING btree ("custom_domain");--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_custom_domain_key" ON "tenants" USING btree ("custom_domain") WHERE "tenants"."custom_domain_verified_at" is not null;--> statement-breakpoint
UPDATE "tenants" SET "custom_domain_claimed_at" = "updated_at" WHERE "custom_domain" IS NOT NULL;
