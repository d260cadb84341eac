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
-- Serves one GET /ads in one statement (issue 14): takes the best of the candidates the process
-- ranked that is still servable, and records its impression, atomically per campaign as
-- adnova_record_impression does.
--
-- The process ranks with what it knows of the client, cached: its profile and which campaigns it
-- has seen and clicked. The candidates come best first, each with the state the process ranked it
-- in (seen, clicked). That knowledge is checked first:
--   * the client's events: impressions and clicks are only ever added and a process only learns
--     of ones that exist, so equal counts mean it knows them all. When they differ (another process
--     served or recorded a click for the client since), candidates whose state changed are passed
--     over, the others walked as ranked, and the client's campaigns returned so the process learns
--     them; 'resync' only when none of the others can be served;
--   * the day, the catalog version and the client's profile version: 'stale' otherwise, with the
--     current ones (the plan version is returned for the process to refresh prices; old prices
--     are no error).
-- Then the walk serves the first candidate still servable:
--   * not seen: adnova_record_impression, which locks the campaign row and checks both caps;
--   * seen: shown again without a write, unless the campaign's clicks cap is reached (§5.4.3).
-- The process may send only its best candidates (p_more): when none of them can be served, the
-- answer is 'more' and it sends the rest.
--
-- A process that was refused twice in one request (data changing under it faster than it can
-- re-read) sends NULL counts and versions: the checks are skipped and the candidates walked as
-- ranked with what it has just read. A candidate it thought unseen but was seen meanwhile is shown
-- again ('seen' below); the caps are checked as always.
--
-- Returns outcome: served | none | more | stale | resync | unknown_client, the served campaign and
-- whether its impression was recorded now, the campaigns found closed on the way with why, the
-- current day and versions, and when the counts differed the client's seen and clicked campaigns.
CREATE FUNCTION adnova_serve_ad(
  p_client uuid, p_day integer, p_catalog bigint, p_profile bigint, p_seen_count integer,
  p_clicked_count integer, p_overshoot numeric, p_campaigns uuid[], p_seen boolean[],
  p_clicked boolean[], p_more boolean,
  OUT outcome text, OUT served uuid, OUT recorded boolean, OUT closed uuid[], OUT closed_why text[],
  OUT today integer, OUT catalog bigint, OUT plan bigint, OUT profile bigint, OUT seen uuid[],
  OUT clicked uuid[])
LANGUAGE plpgsql AS $$
DECLARE
  i integer;
  v_result text;
  v_moved boolean := false;
BEGIN
  SELECT pc.day, cv.version, sp.version INTO today, catalog, plan
    FROM platform_clock pc CROSS JOIN catalog_version cv CROSS JOIN selection_plan sp;
  SELECT cl.profile_version INTO profile FROM clients cl WHERE cl.id = p_client;
  IF NOT FOUND THEN outcome := 'unknown_client'; RETURN; END IF;
  IF p_seen_count IS NOT NULL
     AND ((SELECT count(*) FROM impressions m WHERE m.client_id = p_client) <> p_seen_count
          OR (SELECT count(*) FROM clicks k WHERE k.client_id = p_client) <> p_clicked_count) THEN
    v_moved := true;
    seen := ARRAY(SELECT m.campaign_id FROM impressions m WHERE m.client_id = p_client);
    clicked := ARRAY(SELECT k.campaign_id FROM clicks k WHERE k.client_id = p_client);
  END IF;
  IF p_catalog IS NOT NULL AND (today <> p_day OR catalog <> p_catalog OR profile <> p_profile) THEN
    outcome := 'stale';
    RETURN;
  END IF;
  closed := '{}';
  closed_why := '{}';
  FOR i IN 1 .. coalesce(array_length(p_campaigns, 1), 0) LOOP
    -- Ranked in a state the client has left: its value is not the one it was ranked by.
    CONTINUE WHEN v_moved AND ((p_campaigns[i] = ANY (seen)) <> p_seen[i]
                               OR (p_campaigns[i] = ANY (clicked)) <> p_clicked[i]);
    IF p_seen[i] THEN
      PERFORM 1 FROM campaigns c
        WHERE c.id = p_campaigns[i] AND c.clicks_count < c.clicks_limit
          AND p_day BETWEEN c.start_date AND c.end_date;
      IF FOUND THEN
        outcome := 'served';
        served := p_campaigns[i];
        recorded := false;
        RETURN;
      END IF;
      closed := closed || p_campaigns[i];
      closed_why := closed_why || 'clicks_cap'::text;
    ELSE
      v_result := adnova_record_impression(p_campaigns[i], p_client, p_day, p_overshoot);
      -- 'seen': a concurrent request of the same client recorded it first; show it all the same.
      IF v_result IN ('recorded', 'seen') THEN
        outcome := 'served';
        served := p_campaigns[i];
        recorded := v_result = 'recorded';
        RETURN;
      END IF;
      closed := closed || p_campaigns[i];
      closed_why := closed_why || v_result;
    END IF;
  END LOOP;
  outcome := CASE WHEN v_moved THEN 'resync' WHEN p_more THEN 'more' ELSE 'none' END;
END $$;
