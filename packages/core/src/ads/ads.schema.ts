import { type Static, Type } from '@sinclair/typebox';
import { SERVED_FIELDS, type ServedField } from '../campaigns/campaign-rules.ts';
import { CampaignSchema } from '../campaigns/campaigns.schema.ts';
import { NonEmptyString, Nullable, Uuid } from '../shared/schema.ts';

/** The campaign's fields an ad shows, typed as in the Campaign object (input bounds left out). */
const servedSchemas = Object.fromEntries(
  SERVED_FIELDS.map((field) => {
    const { minLength: _min, maxLength: _max, ...schema } = CampaignSchema.properties[field];
    return [field, schema];
  }),
) as Pick<(typeof CampaignSchema)['properties'], ServedField>;

export const AdSchema = Type.Object(
  {
    ad_id: Uuid('Equals the campaign id.'),
    ...servedSchemas,
    advertiser_id: Uuid(),
    ad_image: Nullable(
      Type.String({ description: 'Absolute URL of the campaign image (AdNova extension).' }),
    ),
  },
  { $id: 'Ad' },
);
export type Ad = Static<typeof AdSchema>;

export const GetAdQuery = Type.Object({
  client_id: Uuid('The client the ad is for.'),
  scope: Type.Optional(NonEmptyString({ maxLength: 200, description: 'Throttle scope (default /ads).' })),
});

export const ClickBody = Type.Object({ client_id: Uuid() });
