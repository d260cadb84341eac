import type { HtmlValue } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { FieldSpec } from './widgets.ts';

type IdField = {
  name: string;
  label: string;
  value: string | undefined;
  help: string;
  required?: boolean;
  /** What the change page shows instead of the bare id (e.g. a link to the record). */
  display?: HtmlValue;
};

/** A record's UUID: typed on the add page (at most 36 characters), read-only once stored. */
export function uuidField(mode: string, field: IdField): FieldSpec {
  const { name, label, value, help, required } = field;
  return mode === 'add'
    ? { kind: 'text', name, label, value, required, help, attrs: { maxlength: 36 } }
    : { kind: 'readonly', name, label, display: field.display ?? value };
}

/** The new password and its confirmation, as `readNewPassword` reads them. */
export function newPasswordFields(
  tr: Translator,
  labels: { password: string; confirmation: string } = {
    password: tr.t('password.new'),
    confirmation: tr.t('password.confirm'),
  },
): FieldSpec[] {
  return [
    {
      kind: 'password',
      name: 'password',
      label: labels.password,
      value: '',
      required: true,
      help: tr.t('password.help'),
      attrs: { autocomplete: 'new-password' },
    },
    {
      kind: 'password',
      name: 'password2',
      label: labels.confirmation,
      value: '',
      required: true,
      attrs: { autocomplete: 'new-password' },
    },
  ];
}
