CREATE TABLE "tenant_template"."nas_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"nas_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"detail" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."traffic_1h" (
	"bucket" timestamp with time zone NOT NULL,
	"subscriber_id" uuid NOT NULL,
	"nas_id" uuid NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "traffic_1h_pkey" PRIMARY KEY("subscriber_id","bucket","nas_id")
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."traffic_5m" (
	"bucket" timestamp with time zone NOT NULL,
	"subscriber_id" uuid NOT NULL,
	"nas_id" uuid NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "traffic_5m_pkey" PRIMARY KEY("subscriber_id","bucket","nas_id")
);
--> statement-breakpoint
ALTER TABLE "tenant_template"."nas_devices" ADD COLUMN "status_server" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."radacct" ADD COLUMN "rate_in" bigint;--> statement-breakpoint
ALTER TABLE "tenant_template"."radacct" ADD COLUMN "rate_out" bigint;--> statement-breakpoint
CREATE INDEX "nas_events_created_idx" ON "tenant_template"."nas_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "nas_events_nas_idx" ON "tenant_template"."nas_events" USING btree ("nas_id","created_at");--> statement-breakpoint
CREATE INDEX "traffic_1h_nas_idx" ON "tenant_template"."traffic_1h" USING btree ("nas_id","bucket");--> statement-breakpoint
CREATE INDEX "traffic_1h_bucket_brin" ON "tenant_template"."traffic_1h" USING brin ("bucket");--> statement-breakpoint
CREATE INDEX "traffic_5m_nas_idx" ON "tenant_template"."traffic_5m" USING btree ("nas_id","bucket");--> statement-breakpoint
CREATE INDEX "traffic_5m_bucket_brin" ON "tenant_template"."traffic_5m" USING brin ("bucket");