CREATE TABLE "nas_routes" (
	"nas_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"ip_address" "inet" NOT NULL,
	"identifier" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wireguard_allocations" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"subnet" "cidr" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "modules" text[] DEFAULT '{resellers,wireguard,notifications}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "modules" text[];--> statement-breakpoint
CREATE UNIQUE INDEX "nas_routes_address_key" ON "nas_routes" USING btree ("ip_address",coalesce("identifier", ''));--> statement-breakpoint
CREATE INDEX "nas_routes_tenant_idx" ON "nas_routes" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "wireguard_allocations_subnet_key" ON "wireguard_allocations" USING btree ("subnet");