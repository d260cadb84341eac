import { type Static, Type } from '@sinclair/typebox';
import { ServedFieldSchemas } from '../campaigns/campaigns.schema.ts';
import { NonEmptyString, Nullable, Uuid } from '../shared/schema.ts';

export const AdSchema = Type.Object(
  {
    ad_id: Uuid('Equals the campaign id.'),
    ...ServedFieldSchemas,
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
