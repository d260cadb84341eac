-- The tables of @adnova/ads-throttle (001_ads_throttle), applied through AdNova's own migrations.
-- Copied from adsThrottleMigrations[0].statements, one statement per chunk because PGlite runs one
-- statement per prepared query; ads-throttle-migration.test.ts keeps them equal to the library's.
CREATE TABLE IF NOT EXISTS ads_throttle_settings (
  id smallint PRIMARY KEY DEFAULT 1 CONSTRAINT ads_throttle_settings_singleton CHECK (id = 1),
  view_repeat_window_seconds integer NOT NULL DEFAULT 600 CHECK (view_repeat_window_seconds >= 1),
  view_repeat_threshold integer NOT NULL DEFAULT 20 CHECK (view_repeat_threshold >= 1),
  block_seconds integer NOT NULL DEFAULT 3600 CHECK (block_seconds >= 0),
  event_record_seconds integer NOT NULL DEFAULT 60 CHECK (event_record_seconds >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS ads_throttle_overrides (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope varchar(512) NOT NULL DEFAULT '',
  target varchar(8) NOT NULL CHECK (target IN ('user', 'viewer', 'ip', 'all')),
  action varchar(8) NOT NULL CHECK (action IN ('show', 'block')),
  user_id varchar(255) NOT NULL DEFAULT '',
  viewer_id_hash varchar(64) NOT NULL DEFAULT '',
  viewer_label varchar(255) NOT NULL DEFAULT '',
  ip_address_hash varchar(64) NOT NULL DEFAULT '',
  hash_key_id varchar(16) NOT NULL DEFAULT '',
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ads_throttle_overrides_target_identifiers CHECK (
    (target = 'user' AND user_id <> '' AND ip_address_hash = '')
    OR (target = 'viewer' AND viewer_id_hash <> '' AND user_id = '' AND ip_address_hash = '')
    OR (target = 'ip' AND ip_address_hash <> '' AND user_id = '' AND viewer_id_hash = '')
    OR (target = 'all' AND user_id = '' AND viewer_id_hash = '' AND ip_address_hash = '')
  )
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS ads_throttle_overrides_scope_viewer_idx
  ON ads_throttle_overrides (scope, viewer_id_hash, expires_at);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS ads_throttle_overrides_scope_ip_idx
  ON ads_throttle_overrides (scope, ip_address_hash, expires_at);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS ads_throttle_overrides_scope_user_idx
  ON ads_throttle_overrides (scope, user_id, expires_at);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS ads_throttle_overrides_expires_idx
  ON ads_throttle_overrides (expires_at);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS ads_throttle_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope varchar(512) NOT NULL,
  scope_hash varchar(64) NOT NULL,
  viewer_hash varchar(64) NOT NULL,
  ip_address_hash varchar(64) NOT NULL DEFAULT '',
  hash_key_id varchar(16) NOT NULL DEFAULT '',
  reason varchar(16) NOT NULL DEFAULT 'threshold' CHECK (reason IN ('override', 'threshold')),
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  count integer NOT NULL DEFAULT 0 CHECK (count >= 0),
  blocked boolean NOT NULL DEFAULT false,
  CONSTRAINT ads_throttle_events_scope_viewer_key UNIQUE (scope_hash, viewer_hash)
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS ads_throttle_events_scope_blocked_idx
  ON ads_throttle_events (scope, blocked, last_seen);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS ads_throttle_events_viewer_idx ON ads_throttle_events (viewer_hash);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS ads_throttle_events_ip_idx ON ads_throttle_events (ip_address_hash);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS ads_throttle_events_last_seen_idx ON ads_throttle_events (last_seen);
