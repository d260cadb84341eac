import { type Static, Type } from '@sinclair/typebox';
import { MAX_TEXT, Nullable, Uuid } from '../shared/schema.ts';

export const CreateReportBody = Type.Object(
  {
    client_id: Uuid('The client complaining; it must have been shown the ad.'),
    message: Type.Optional(
      Nullable(
        Type.String({
          maxLength: MAX_TEXT,
          description:
            'Optional complaint; when a string it must not be blank (400 "message can\'t be blank.").',
        }),
      ),
    ),
  },
  { $id: 'ReportRequest' },
);
export type CreateReportInput = Static<typeof CreateReportBody>;

export const ReportAcceptedSchema = Type.Object({ status: Type.Literal('ok') }, { $id: 'ReportAccepted' });
export type ReportAccepted = Static<typeof ReportAcceptedSchema>;

/** Report states (spec §7.3): s sent, r under review, t took action, f skipped. */
export type ReportState = 's' | 'r' | 't' | 'f';
