CREATE TABLE "tenant_template"."ipv6_allocations" (
	"pool_id" uuid NOT NULL,
	"prefix" "cidr" NOT NULL,
	"subscriber_id" uuid,
	"allocated_at" timestamp with time zone,
	CONSTRAINT "ipv6_allocations_pool_id_prefix_pk" PRIMARY KEY("pool_id","prefix")
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."ipv6_pools" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" "cidr" NOT NULL,
	"assign_length" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ipv6_pools_length_check" CHECK ("tenant_template"."ipv6_pools"."assign_length" between 48 and 128)
);
--> statement-breakpoint
ALTER TABLE "tenant_template"."ip_pools" ADD COLUMN "gateway" "inet";--> statement-breakpoint
ALTER TABLE "tenant_template"."radacct" ADD COLUMN "framed_ipv6_prefix" "cidr";--> statement-breakpoint
ALTER TABLE "tenant_template"."radacct" ADD COLUMN "delegated_ipv6_prefix" "cidr";--> statement-breakpoint
ALTER TABLE "tenant_template"."radacct" ADD COLUMN "framed_interface_id" text;--> statement-breakpoint
ALTER TABLE "tenant_template"."service_plans" ADD COLUMN "ipv6_pool_id" uuid;--> statement-breakpoint
ALTER TABLE "tenant_template"."service_plans" ADD COLUMN "delegated_ipv6_pool_id" uuid;--> statement-breakpoint
ALTER TABLE "tenant_template"."service_plans" ADD COLUMN "simultaneous_use" integer;--> statement-breakpoint
ALTER TABLE "tenant_template"."service_plans" ADD COLUMN "simultaneous_use_action" text DEFAULT 'reject' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD COLUMN "static_ipv6_prefix" "cidr";--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD COLUMN "delegated_ipv6_prefix" "cidr";--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD COLUMN "simultaneous_use" integer;--> statement-breakpoint
CREATE UNIQUE INDEX "ipv6_allocations_prefix_key" ON "tenant_template"."ipv6_allocations" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "ipv6_allocations_free_idx" ON "tenant_template"."ipv6_allocations" USING btree ("pool_id","prefix") WHERE "tenant_template"."ipv6_allocations"."subscriber_id" is null;--> statement-breakpoint
CREATE INDEX "ipv6_allocations_subscriber_idx" ON "tenant_template"."ipv6_allocations" USING btree ("subscriber_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ipv6_pools_name_key" ON "tenant_template"."ipv6_pools" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_static_ipv6_key" ON "tenant_template"."subscribers" USING btree ("static_ipv6_prefix");--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_delegated_ipv6_key" ON "tenant_template"."subscribers" USING btree ("delegated_ipv6_prefix");--> statement-breakpoint
ALTER TABLE "tenant_template"."service_plans" ADD CONSTRAINT "service_plans_simultaneous_use_check" CHECK ("tenant_template"."service_plans"."simultaneous_use" > 0);--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD CONSTRAINT "subscribers_simultaneous_use_check" CHECK ("tenant_template"."subscribers"."simultaneous_use" > 0);