-- Serving in groups (issue 14): the API sends the ads requests that arrive together in one
-- statement, adnova_serve_ads, which serves each as adnova_serve_ad (0008) did, in one
-- transaction. One round trip, one commit and one WAL flush for the group instead of one each.
--
-- A group locks the campaign row of every impression it records until it commits, so two groups
-- (from two processes) could each hold a row the other wants, and a group waiting for a row would
-- hold up every request in it. So a group waits for no lock: a campaign another transaction holds
-- answers 'busy' (SKIP LOCKED) and nothing is recorded for that request. The process sends it
-- again in a later group, and after that alone with p_wait, where it waits for its lock while it
-- holds none (a request takes at most one lock, the last thing it does), which cannot deadlock.
DROP FUNCTION adnova_serve_ad(uuid, integer, bigint, bigint, integer, integer, numeric, uuid[], boolean[],
                              boolean[], boolean);
--> statement-breakpoint
DROP FUNCTION adnova_record_impression(uuid, uuid, integer, numeric);
--> statement-breakpoint
-- Records the first impression of a client on a campaign when both caps allow it, under the
-- campaign's row lock (spec §5.4). Returns: recorded | seen | impressions_cap | clicks_cap |
-- inactive | gone, or busy when p_wait is false and another transaction holds the row.
--
-- Only a campaign that is open (running on p_day, under both caps) is locked, and its answer is
-- then recorded or seen: a caller that gets any other answer holds no lock from this call. A
-- closed campaign's answer comes from reading it without a lock (its counters only grow while it
-- runs; a deleted impression at worst makes one request pass over a campaign that just reopened).
CREATE FUNCTION adnova_record_impression(p_campaign uuid, p_client uuid, p_day integer, p_overshoot numeric,
                                         p_wait boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  c record;
BEGIN
  IF p_wait THEN
    SELECT cost_per_impression INTO c FROM campaigns
     WHERE id = p_campaign AND p_day BETWEEN start_date AND end_date AND clicks_count < clicks_limit
       AND impressions_count < floor(impressions_limit * (1 + p_overshoot))
       FOR UPDATE;
  ELSE
    SELECT cost_per_impression INTO c FROM campaigns
     WHERE id = p_campaign AND p_day BETWEEN start_date AND end_date AND clicks_count < clicks_limit
       AND impressions_count < floor(impressions_limit * (1 + p_overshoot))
       FOR UPDATE SKIP LOCKED;
  END IF;
  IF NOT FOUND THEN
    -- Closed, gone, or (without waiting) held by another transaction: say which, without a lock.
    SELECT start_date, end_date, impressions_limit, clicks_limit, impressions_count, clicks_count
      INTO c FROM campaigns WHERE id = p_campaign;
    IF NOT FOUND THEN RETURN 'gone'; END IF;
    IF p_day < c.start_date OR p_day > c.end_date THEN RETURN 'inactive'; END IF;
    IF c.clicks_count >= c.clicks_limit THEN RETURN 'clicks_cap'; END IF;
    -- A client that has seen a full campaign is shown it again (§5.4.3).
    IF EXISTS (SELECT 1 FROM impressions WHERE client_id = p_client AND campaign_id = p_campaign) THEN
      RETURN 'seen';
    END IF;
    IF c.impressions_count >= floor(c.impressions_limit * (1 + p_overshoot)) THEN
      RETURN 'impressions_cap';
    END IF;
    RETURN 'busy';
  END IF;
  IF EXISTS (SELECT 1 FROM impressions WHERE client_id = p_client AND campaign_id = p_campaign) THEN
    RETURN 'seen';
  END IF;
  INSERT INTO impressions (campaign_id, client_id, price, date)
    VALUES (p_campaign, p_client, c.cost_per_impression, p_day)
    ON CONFLICT (client_id, campaign_id) DO NOTHING;
  IF NOT FOUND THEN RETURN 'seen'; END IF;
  RETURN 'recorded';
END $$;
--> statement-breakpoint
-- Serves one GET /ads (0008's function, but for p_wait and 'busy'): takes the best of the
-- candidates the process ranked that is still servable, and records its impression.
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
--   * not seen: adnova_record_impression, which checks both caps and locks the campaign row of
--     the one it records. Without p_wait, an open campaign another transaction holds ends the
--     walk with 'busy' (passing over it would serve a worse one);
--   * seen: shown again without a write, unless the campaign's clicks cap is reached (§5.4.3).
-- The process may send only its best candidates (p_more): when none of them can be served, the
-- answer is 'more' and it sends the rest.
--
-- A process that was refused twice in one request (data changing under it faster than it can
-- re-read) sends NULL counts and versions: the checks are skipped and the candidates walked as
-- ranked with what it has just read. A candidate it thought unseen but was seen meanwhile is shown
-- again ('seen' below); the caps are checked as always.
--
-- Returns outcome: served | none | more | stale | resync | busy | unknown_client, the served
-- campaign and whether its impression was recorded now, the campaigns found closed on the way with
-- why, the current day and versions, and when the counts differed the client's seen and clicked
-- campaigns.
CREATE FUNCTION adnova_serve_ad(
  p_client uuid, p_day integer, p_catalog bigint, p_profile bigint, p_seen_count integer,
  p_clicked_count integer, p_overshoot numeric, p_campaigns uuid[], p_seen boolean[],
  p_clicked boolean[], p_more boolean, p_wait boolean,
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
      -- Locks the campaign only when it answers recorded or seen, which ends the walk: a request
      -- holds at most one lock, taken last.
      v_result := adnova_record_impression(p_campaigns[i], p_client, p_day, p_overshoot, p_wait);
      IF v_result = 'busy' THEN
        outcome := 'busy';
        RETURN;
      END IF;
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
--> statement-breakpoint
-- Serves a group of GET /ads in one statement and one transaction, one answer row per request in
-- the order sent. The requests' candidates come flattened: request i's are p_campaigns (and
-- p_seen, p_clicked) from the end of request i-1's, exclusive, to p_ends[i], inclusive. With
-- p_wait, a request may wait for a lock while the group holds none: until one has been served (a
-- request holds at most the lock of the campaign it is served; one shown again holds none, counted
-- all the same). The process sets it only for a request sent alone.
CREATE FUNCTION adnova_serve_ads(
  p_clients uuid[], p_days integer[], p_catalogs bigint[], p_profiles bigint[], p_seen_counts integer[],
  p_clicked_counts integer[], p_mores boolean[], p_ends integer[], p_campaigns uuid[],
  p_seen boolean[], p_clicked boolean[], p_overshoot numeric, p_wait boolean)
RETURNS TABLE (outcome text, served uuid, recorded boolean, closed uuid[], closed_why text[], today integer,
               catalog bigint, plan bigint, profile bigint, seen uuid[], clicked uuid[])
LANGUAGE plpgsql AS $$
DECLARE
  i integer;
  v_from integer := 1;
  v_holds boolean := false;
  r record;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_clients, 1), 0) LOOP
    SELECT * INTO r FROM adnova_serve_ad(
      p_clients[i], p_days[i], p_catalogs[i], p_profiles[i], p_seen_counts[i], p_clicked_counts[i],
      p_overshoot, p_campaigns[v_from:p_ends[i]], p_seen[v_from:p_ends[i]], p_clicked[v_from:p_ends[i]],
      p_mores[i], p_wait AND NOT v_holds);
    v_holds := v_holds OR r.outcome = 'served';
    v_from := p_ends[i] + 1;
    outcome := r.outcome; served := r.served; recorded := r.recorded; closed := r.closed;
    closed_why := r.closed_why; today := r.today; catalog := r.catalog; plan := r.plan;
    profile := r.profile; seen := r.seen; clicked := r.clicked;
    RETURN NEXT;
  END LOOP;
END $$;
