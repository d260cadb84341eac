import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { getTableColumns } from 'drizzle-orm';
import { AdSchema } from '../ads/ads.schema.ts';
import { campaigns } from '../db/schema.ts';
import {
  CAMPAIGN_FIELD_NAMES,
  CAMPAIGN_FIELDS,
  type CampaignFieldDef,
  SERVED_FIELDS,
} from './campaign-rules.ts';
import { CATALOG_COLUMNS, FIELD_COLUMN } from './campaigns.repo.ts';
import { CampaignSchema, CreateCampaignBody, UpdateCampaignBody } from './campaigns.schema.ts';

const props = (schema: { properties: Record<string, TSchema> }) => schema.properties;

test('the API schemas list every campaign field, required unless optional, with its bounds', () => {
  assert.deepEqual(Object.keys(props(CampaignSchema)), [
    'campaign_id',
    'advertiser_id',
    ...CAMPAIGN_FIELD_NAMES,
    'targeting',
    'ad_image',
  ]);
  assert.deepEqual(Object.keys(props(CreateCampaignBody)), [...CAMPAIGN_FIELD_NAMES, 'targeting']);
  assert.deepEqual(Object.keys(props(UpdateCampaignBody)), [...CAMPAIGN_FIELD_NAMES, 'targeting']);
  assert.deepEqual(
    CreateCampaignBody.required,
    CAMPAIGN_FIELD_NAMES.filter((name) => !(CAMPAIGN_FIELDS[name] as CampaignFieldDef).optional),
  );
  assert.equal(UpdateCampaignBody.required, undefined);
  for (const name of CAMPAIGN_FIELD_NAMES) {
    const def: CampaignFieldDef = CAMPAIGN_FIELDS[name];
    const schema = props(CreateCampaignBody)[name] as TSchema;
    const value = def.optional ? (schema.anyOf as TSchema[])[0] : schema;
    assert.equal(
      value?.type,
      { count: 'integer', day: 'integer', money: 'number', text: 'string' }[def.kind],
      name,
    );
    assert.equal(value?.minimum, def.min, name);
    assert.equal(value?.maximum, def.max, name);
    assert.equal(value?.maxLength, def.maxLength, name);
  }
});

test('served fields are in the Ad answer and the serving catalog; every field has its column', () => {
  assert.deepEqual(Object.keys(props(AdSchema)), ['ad_id', ...SERVED_FIELDS, 'advertiser_id', 'ad_image']);
  for (const name of SERVED_FIELDS) assert.ok(CATALOG_COLUMNS.includes(name), name);
  const columns = getTableColumns(campaigns);
  for (const name of CAMPAIGN_FIELD_NAMES) assert.equal(columns[FIELD_COLUMN[name]].name, name);
});
