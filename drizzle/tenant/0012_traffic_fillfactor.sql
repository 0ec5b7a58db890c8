-- Each traffic bucket row is rewritten by every accounting batch of its 5 minutes (or hour). With
-- room left in each page, those updates stay on the page (HOT) and skip the three indexes, which is
-- most of what the roll-ups cost per batch. The rows are small and few (one per subscriber, NAS and
-- bucket), so the space is cheap. Only pages written from now on are affected.
ALTER TABLE "tenant_template"."traffic_5m" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "tenant_template"."traffic_1h" SET (fillfactor = 70);
