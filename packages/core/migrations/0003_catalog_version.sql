CREATE TABLE "catalog_version" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "catalog_version_singleton" CHECK ("catalog_version"."id")
);
--> statement-breakpoint
INSERT INTO "catalog_version" ("id", "version") VALUES (true, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION adnova_bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_version SET version = version + 1;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Counter columns (impressions_count, clicks_count) are deliberately not listed: the atomic
-- record function enforces the caps, so counter updates need not invalidate cached catalogs.
CREATE TRIGGER campaigns_catalog_version
  AFTER INSERT OR DELETE OR UPDATE OF advertiser_id, impressions_limit, clicks_limit, cost_per_impression,
    cost_per_click, ad_title, ad_text, start_date, end_date, target_gender, target_age_from, target_age_to,
    target_location, ad_image_key
  ON campaigns FOR EACH STATEMENT EXECUTE FUNCTION adnova_bump_catalog_version();
