import { type Static, Type } from '@sinclair/typebox';
import { NonEmptyString, Nullable, Uuid } from '../shared/schema.ts';

/** Recommended bounds of spec §7.2: both fields non-empty, at most 1000 characters. */
const Field = (description: string) => NonEmptyString({ maxLength: 1000, description });

export const GenerateAdTextBody = Type.Object(
  {
    advertiser_name: Field('The advertiser the ad is for.'),
    ad_title: Field('The campaign title.'),
  },
  { $id: 'GenerateAdTextRequest' },
);
export type GenerateAdTextInput = Static<typeof GenerateAdTextBody>;

export const TaskStatusSchema = Type.Union(
  ['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED'].map((s) => Type.Literal(s)),
  {
    description: "Celery's vocabulary: PENDING, STARTED, RETRY, SUCCESS, FAILURE (RECEIVED, REVOKED unused).",
  },
);

export const GenerationTaskSchema = Type.Object(
  {
    task_id: Uuid(),
    status: TaskStatusSchema,
    result: Nullable(Type.String({ description: 'The generated ad text once status is SUCCESS.' })),
    error: Type.Optional(
      Type.String({
        description: 'Why the last attempt failed (status RETRY or FAILURE; AdNova extension).',
      }),
    ),
  },
  { $id: 'GenerationTask' },
);
export type GenerationTask = Static<typeof GenerationTaskSchema>;
