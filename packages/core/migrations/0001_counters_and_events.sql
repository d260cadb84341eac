-- The clock's single row; the platform starts on day 0.
INSERT INTO "platform_clock" ("id", "day") VALUES (true, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Campaign counters always equal the stored events: every insert and delete of an impression or a
-- click (including cascades from admin deletions of clients) adjusts them in the same transaction.
CREATE FUNCTION adnova_count_impression() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE campaigns SET impressions_count = impressions_count + 1 WHERE id = NEW.campaign_id;
  ELSE
    UPDATE campaigns SET impressions_count = impressions_count - 1 WHERE id = OLD.campaign_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER impressions_count AFTER INSERT OR DELETE ON impressions
  FOR EACH ROW EXECUTE FUNCTION adnova_count_impression();
--> statement-breakpoint
CREATE FUNCTION adnova_count_click() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE campaigns SET clicks_count = clicks_count + 1 WHERE id = NEW.campaign_id;
  ELSE
    UPDATE campaigns SET clicks_count = clicks_count - 1 WHERE id = OLD.campaign_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER clicks_count AFTER INSERT OR DELETE ON clicks
  FOR EACH ROW EXECUTE FUNCTION adnova_count_click();
--> statement-breakpoint
-- Atomic check-and-record of one impression, in one round trip. The campaign row lock serialises
-- concurrent servings of the same campaign across every process on this database, so the count
-- read here cannot go stale before the insert: the impressions cap is never overshot.
-- Returns: recorded | seen (the client already had it; nothing written) | impressions_cap |
-- clicks_cap | inactive (not running on p_day) | gone (deleted).
CREATE FUNCTION adnova_record_impression(p_campaign uuid, p_client uuid, p_day integer, p_overshoot numeric)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  c record;
BEGIN
  SELECT start_date, end_date, impressions_limit, clicks_limit, impressions_count, clicks_count,
         cost_per_impression
    INTO c FROM campaigns WHERE id = p_campaign FOR UPDATE;
  IF NOT FOUND THEN RETURN 'gone'; END IF;
  IF p_day < c.start_date OR p_day > c.end_date THEN RETURN 'inactive'; END IF;
  IF c.clicks_count >= c.clicks_limit THEN RETURN 'clicks_cap'; END IF;
  IF EXISTS (SELECT 1 FROM impressions WHERE client_id = p_client AND campaign_id = p_campaign) THEN
    RETURN 'seen';
  END IF;
  IF c.impressions_count >= floor(c.impressions_limit * (1 + p_overshoot)) THEN
    RETURN 'impressions_cap';
  END IF;
  INSERT INTO impressions (campaign_id, client_id, price, date)
    VALUES (p_campaign, p_client, c.cost_per_impression, p_day)
    ON CONFLICT (client_id, campaign_id) DO NOTHING;
  IF NOT FOUND THEN RETURN 'seen'; END IF;
  RETURN 'recorded';
END $$;
--> statement-breakpoint
-- Records the first click of a client on a campaign at the campaign's current price, on the
-- platform's current day. Returns: recorded | duplicate | no_impression | gone.
CREATE FUNCTION adnova_record_click(p_campaign uuid, p_client uuid)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_price numeric;
BEGIN
  SELECT cost_per_click INTO v_price FROM campaigns WHERE id = p_campaign;
  IF NOT FOUND THEN RETURN 'gone'; END IF;
  IF NOT EXISTS (SELECT 1 FROM impressions WHERE client_id = p_client AND campaign_id = p_campaign) THEN
    RETURN 'no_impression';
  END IF;
  INSERT INTO clicks (campaign_id, client_id, price, date)
    VALUES (p_campaign, p_client, v_price, (SELECT day FROM platform_clock))
    ON CONFLICT (client_id, campaign_id) DO NOTHING;
  IF NOT FOUND THEN RETURN 'duplicate'; END IF;
  RETURN 'recorded';
END $$;
