import { type Static, Type } from '@sinclair/typebox';
import { MAX_BULK, NonEmptyString, refTo, Uuid } from '../shared/schema.ts';

export const GenderSchema = Type.Union([Type.Literal('MALE'), Type.Literal('FEMALE')]);

export const ClientSchema = Type.Object(
  {
    client_id: Uuid('Chosen by the caller.'),
    login: NonEmptyString({ maxLength: 1000 }),
    age: Type.Integer({ minimum: 0, maximum: 100 }),
    location: NonEmptyString({ maxLength: 1000 }),
    gender: GenderSchema,
  },
  { $id: 'Client' },
);
export type Client = Static<typeof ClientSchema>;

export const UpsertClientsBody = Type.Array(refTo(ClientSchema), {
  description:
    'Clients to create or replace; the last occurrence of a repeated id wins; at most 10,000 per request.',
  maxItems: MAX_BULK,
});
