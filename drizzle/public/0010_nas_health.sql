CREATE TABLE "nas_health" (
	"nas_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"last_seen_at" timestamp with time zone,
	"last_acct_at" timestamp with time zone,
	"status" text DEFAULT 'unknown' NOT NULL,
	"status_since" timestamp with time zone DEFAULT now() NOT NULL,
	"probe_at" timestamp with time zone,
	"probe_ok" boolean,
	"probe_rtt_ms" integer,
	"probe_failures" integer DEFAULT 0 NOT NULL,
	"alert_id" uuid
);
--> statement-breakpoint
CREATE INDEX "nas_health_tenant_idx" ON "nas_health" USING btree ("tenant_id");