import {
  type Static,
  type TInteger,
  type TNull,
  type TNumber,
  type TOptional,
  type TSchema,
  type TString,
  type TUnion,
  Type,
} from '@sinclair/typebox';
import { MAX_INT32, NonEmptyString, Nullable, refTo, Uuid } from '../shared/schema.ts';
import {
  CAMPAIGN_BOUNDS as B,
  CAMPAIGN_FIELD_NAMES,
  CAMPAIGN_FIELDS,
  type CampaignField,
  type CampaignFieldDef,
  type CampaignFields,
  type FieldKind,
  FROZEN_FIELDS,
  MAX_LOCATION,
  SERVED_FIELDS,
  type ServedField,
} from './campaign-rules.ts';

/** The schema of each kind of campaign field (campaign-rules.ts `CAMPAIGN_FIELDS`). */
type KindSchema = { count: TInteger; day: TInteger; money: TNumber; text: TString };
type ValueSchema<D> = D extends { kind: infer K extends FieldKind } ? KindSchema[K] : never;
type FieldSchema<D> = D extends { optional: true } ? TUnion<[ValueSchema<D>, TNull]> : ValueSchema<D>;
type FieldProps = { [K in CampaignField]: FieldSchema<CampaignFields[K]> };
type CreateProps = {
  [K in CampaignField]: CampaignFields[K] extends { optional: true }
    ? TOptional<FieldSchema<CampaignFields[K]>>
    : FieldSchema<CampaignFields[K]>;
};
type UpdateProps = { [K in CampaignField]: TOptional<FieldSchema<CampaignFields[K]>> };

function valueSchema(def: CampaignFieldDef): TSchema {
  const bounds = { minimum: def.min, maximum: def.max };
  const doc = def.description === undefined ? {} : { description: def.description };
  switch (def.kind) {
    case 'count':
      return Type.Integer({ ...bounds, ...doc });
    case 'day':
      return Type.Integer({ ...bounds, description: def.description ?? 'A simulated day number.' });
    case 'money':
      // The bot's generated client carries this description: change it with `npm run generate:api -w @adnova/bot`.
      return Type.Number({
        ...bounds,
        description: def.description ?? 'Money, exact to 9 decimal places in statistics.',
      });
    case 'text':
      return NonEmptyString({ maxLength: def.maxLength, ...doc });
  }
}

/** One schema per field, built from its rules: what a value must be, null added for optional ones. */
function fieldSchemas<P>(wrap: (schema: TSchema, def: CampaignFieldDef) => TSchema): P {
  return Object.fromEntries(
    CAMPAIGN_FIELD_NAMES.map((name) => {
      const def: CampaignFieldDef = CAMPAIGN_FIELDS[name];
      const schema = valueSchema(def);
      return [name, wrap(def.optional ? Nullable(schema) : schema, def)];
    }),
  ) as P;
}

const campaignFields = fieldSchemas<FieldProps>((schema) => schema);

/** The served fields as the `Ad` answer types them: as in Campaign, texts without the input's length bounds. */
export const ServedFieldSchemas = Object.fromEntries(
  SERVED_FIELDS.map((name) => {
    const def: CampaignFieldDef = CAMPAIGN_FIELDS[name];
    const schema = def.kind === 'text' ? Type.String() : valueSchema(def);
    return [name, def.optional ? Nullable(schema) : schema];
  }),
) as Pick<FieldProps, ServedField>;
/** `a, b and c`. */
const listed = (names: readonly string[]) =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
const Age = Type.Integer({ minimum: B.age_from.min, maximum: B.age_from.max });

export const TargetGenderSchema = Type.Union([
  Type.Literal('MALE'),
  Type.Literal('FEMALE'),
  Type.Literal('ALL'),
]);

export const TargetingInput = Type.Object(
  {
    gender: Type.Optional(Nullable(TargetGenderSchema)),
    age_from: Type.Optional(Nullable(Age)),
    age_to: Type.Optional(Nullable(Age)),
    location: Type.Optional(Nullable(NonEmptyString({ maxLength: MAX_LOCATION }))),
  },
  { description: 'Every property optional; absent or null means "anyone".' },
);
export type TargetingInput = Static<typeof TargetingInput>;

export const TargetingSchema = Type.Object(
  {
    gender: Nullable(TargetGenderSchema),
    age_from: Nullable(Age),
    age_to: Nullable(Age),
    location: Nullable(Type.String()),
  },
  { $id: 'Targeting' },
);
export type Targeting = Static<typeof TargetingSchema>;

export const CreateCampaignBody = Type.Object(
  {
    ...fieldSchemas<CreateProps>((schema, def) => (def.optional ? Type.Optional(schema) : schema)),
    targeting: Type.Optional(Nullable(TargetingInput)),
  },
  { $id: 'CampaignCreate' },
);
export type CreateCampaignInput = Static<typeof CreateCampaignBody>;

export const UpdateCampaignBody = Type.Object(
  {
    ...fieldSchemas<UpdateProps>((schema) => Type.Optional(schema)),
    targeting: Type.Optional(Nullable(TargetingInput)),
  },
  {
    $id: 'CampaignUpdate',
    description:
      'Partial update: absent properties keep their value; targeting null clears it, an object replaces it whole. ' +
      `${listed(FROZEN_FIELDS)} are frozen once the campaign has started (403 on a different value).`,
  },
);
export type UpdateCampaignInput = Static<typeof UpdateCampaignBody>;

export const CampaignSchema = Type.Object(
  {
    campaign_id: Uuid(),
    advertiser_id: Uuid(),
    ...campaignFields,
    targeting: refTo(TargetingSchema),
    ad_image: Nullable(Type.String({ description: 'Absolute URL of the campaign image.' })),
  },
  { $id: 'Campaign' },
);
export type Campaign = Static<typeof CampaignSchema>;

export const ListCampaignsQuery = Type.Object({
  page: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_INT32, default: 1, description: '1-based page number.' }),
  ),
  size: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_INT32,
      default: 100,
      description: 'Page size; values above 1000 are clamped to 1000.',
    }),
  ),
});
