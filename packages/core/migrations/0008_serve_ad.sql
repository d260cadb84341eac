ALTER TABLE "clients" ADD COLUMN "profile_version" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- A client's profile version moves whenever what ranking reads about the client changes: its
-- age, gender or location, or any of its ML scores. Processes cache profiles; the serving
-- function below refuses to act on an outdated one.
CREATE FUNCTION adnova_bump_client_profile() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.profile_version := OLD.profile_version + 1;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER clients_profile_version
  BEFORE UPDATE OF age, gender, location ON clients
  FOR EACH ROW
  WHEN ((OLD.age, OLD.gender, OLD.location) IS DISTINCT FROM (NEW.age, NEW.gender, NEW.location))
  EXECUTE FUNCTION adnova_bump_client_profile();
--> statement-breakpoint
-- One statement-level trigger per event (transition tables allow one event each): a bulk upload
-- bumps each of its clients once per statement, not once per score.
CREATE FUNCTION adnova_bump_scored_clients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE clients SET profile_version = profile_version + 1
   WHERE id IN (SELECT DISTINCT client_id FROM changed_scores);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER ml_scores_profile_insert AFTER INSERT ON ml_scores
  REFERENCING NEW TABLE AS changed_scores
  FOR EACH STATEMENT EXECUTE FUNCTION adnova_bump_scored_clients();
--> statement-breakpoint
CREATE TRIGGER ml_scores_profile_update AFTER UPDATE ON ml_scores
  REFERENCING NEW TABLE AS changed_scores
  FOR EACH STATEMENT EXECUTE FUNCTION adnova_bump_scored_clients();
--> statement-breakpoint
CREATE TRIGGER ml_scores_profile_delete AFTER DELETE ON ml_scores
  REFERENCING OLD TABLE AS changed_scores
  FOR EACH STATEMENT EXECUTE FUNCTION adnova_bump_scored_clients();
--> statement-breakpoint
-- Serves one GET /ads in one statement (issue 14): decides among the candidates the process
-- ranked and records the impression, atomically per campaign as adnova_record_impression does.
--
-- The process sends, per candidate campaign, the value of showing it in each state the client
-- may be in (never seen it; seen, not clicked; clicked); NULL for a state the campaign cannot be
-- shown in (an unseen campaign known to be full). Candidates come in tie-break order (higher ML
-- score, then earlier creation). The function looks up which state each is in for this client,
-- walks them by value and serves the first one still servable:
--   * never seen: adnova_record_impression, which locks the campaign row and checks both caps;
--   * seen: shown again without a write, unless the campaign's clicks cap is reached (§5.4.3).
-- The process may send only its best candidates: p_floor is then the highest value any candidate
-- it left out could have, and the walk stops with 'more' before serving anything not above it.
--
-- It first checks that the process ranked with current data: today's day, the catalog version
-- and the client's profile version ('stale' otherwise; nothing is recorded). The plan version is
-- returned for the process to refresh prices, but old prices are no error.
--
-- Returns outcome: served | none | more | stale | unknown_client, the served campaign and
-- whether its impression was recorded now, the campaigns found closed on the way with why, and
-- the current day and versions.
CREATE FUNCTION adnova_serve_ad(
  p_client uuid, p_day integer, p_catalog bigint, p_profile bigint, p_overshoot numeric,
  p_campaigns uuid[], p_unseen double precision[], p_seen double precision[],
  p_clicked double precision[], p_floor double precision,
  OUT outcome text, OUT served uuid, OUT recorded boolean, OUT closed uuid[], OUT closed_why text[],
  OUT today integer, OUT catalog bigint, OUT plan bigint, OUT profile bigint)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  v_result text;
BEGIN
  SELECT pc.day, cv.version, sp.version INTO today, catalog, plan
    FROM platform_clock pc CROSS JOIN catalog_version cv CROSS JOIN selection_plan sp;
  SELECT cl.profile_version INTO profile FROM clients cl WHERE cl.id = p_client;
  IF NOT FOUND THEN outcome := 'unknown_client'; RETURN; END IF;
  IF today <> p_day OR catalog <> p_catalog OR profile <> p_profile THEN
    outcome := 'stale';
    RETURN;
  END IF;
  closed := '{}';
  closed_why := '{}';
  FOR r IN
    SELECT c.id, i.campaign_id IS NOT NULL AS seen,
           CASE WHEN i.campaign_id IS NULL THEN c.unseen
                WHEN k.campaign_id IS NULL THEN c.seen
                ELSE c.clicked END AS value
      FROM unnest(p_campaigns, p_unseen, p_seen, p_clicked) WITH ORDINALITY AS c(id, unseen, seen, clicked, ord)
      LEFT JOIN impressions i ON i.client_id = p_client AND i.campaign_id = c.id
      LEFT JOIN clicks k ON k.client_id = p_client AND k.campaign_id = c.id
     ORDER BY 3 DESC NULLS LAST, c.ord
  LOOP
    -- NULLS LAST: from here on nothing is servable.
    EXIT WHEN r.value IS NULL;
    IF p_floor IS NOT NULL AND r.value <= p_floor THEN
      outcome := 'more';
      RETURN;
    END IF;
    IF r.seen THEN
      PERFORM 1 FROM campaigns c
        WHERE c.id = r.id AND c.clicks_count < c.clicks_limit AND p_day BETWEEN c.start_date AND c.end_date;
      IF FOUND THEN
        outcome := 'served';
        served := r.id;
        recorded := false;
        RETURN;
      END IF;
      closed := closed || r.id;
      closed_why := closed_why || 'clicks_cap'::text;
    ELSE
      v_result := adnova_record_impression(r.id, p_client, p_day, p_overshoot);
      -- 'seen': a concurrent request of the same client recorded it first; show it all the same.
      IF v_result IN ('recorded', 'seen') THEN
        outcome := 'served';
        served := r.id;
        recorded := v_result = 'recorded';
        RETURN;
      END IF;
      closed := closed || r.id;
      closed_why := closed_why || v_result;
    END IF;
  END LOOP;
  outcome := CASE WHEN p_floor IS NULL THEN 'none' ELSE 'more' END;
END $$;
