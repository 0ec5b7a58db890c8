-- The whole tenant's traffic and session starts per 15 minutes, for the dashboard's daily chart
-- (one row per quarter hour instead of summing a month of radacct or of per-subscriber roll-ups).
-- Filled from the roll-ups by materialiseUsage; an upgraded install's earlier history is filled from
-- radacct on the first read, so nothing is copied here.
CREATE TABLE "tenant_template"."usage_15m" (
	"bucket" timestamp with time zone PRIMARY KEY NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	"sessions" integer DEFAULT 0 NOT NULL
);
