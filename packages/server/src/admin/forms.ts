import { AppError } from '@adnova/core/errors';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@adnova/core/shared/schema';
import type { Translator } from './i18n/i18n.ts';

/** A submitted urlencoded (or multipart) form: repeated names arrive as arrays. */
export type FormBody = Record<string, unknown>;

/** Values to redisplay in a form: what was submitted, or what is stored. */
export type FormValues = Record<string, string | string[] | undefined>;

/** Problems to show next to each field, and above the form for the rest. */
export type FormErrors = { fields: Record<string, string[]>; nonField: string[] };

export const noErrors = (): FormErrors => ({ fields: {}, nonField: [] });

export function hasErrors(errors: FormErrors): boolean {
  return errors.nonField.length > 0 || Object.values(errors.fields).some((list) => list.length > 0);
}

export function asBody(body: unknown): FormBody {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as FormBody) : {};
}

/** Every string submitted under `name`, unchecked. */
function strings(body: FormBody, name: string): string[] {
  const value = body[name];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * A request value PostgreSQL cannot store (NUL, an unpaired surrogate: spec §8 #38), as the 400
 * naming it; `part` says where it came from (`body` for a form, `query` for a URL).
 */
export function unstorableValue(name: string, part: 'body' | 'query'): AppError {
  return new AppError('VALIDATION', `${name} ${UNSTORABLE_TEXT_MESSAGE}`, {
    issues: [{ loc: [part, name], msg: UNSTORABLE_TEXT_MESSAGE, type: 'storableText_error' }],
  });
}

/**
 * The first string submitted under `name` ('' when absent).
 * @throws AppError VALIDATION when a value under `name` holds NUL or an unpaired surrogate.
 */
export function field(body: FormBody, name: string): string {
  return fields(body, name)[0] ?? '';
}

/**
 * Every string submitted under `name` (checkbox groups, multi-selects).
 * @throws AppError VALIDATION when one of them holds NUL or an unpaired surrogate.
 */
export function fields(body: FormBody, name: string): string[] {
  const values = strings(body, name);
  if (!values.every(isStorableText)) throw unstorableValue(name, 'body');
  return values;
}

/** The one string under `name` of values to redisplay (undefined for none or a list). */
export function textValue(values: FormValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Every string under `name` of values to redisplay (checkbox groups). */
export function listValue(values: FormValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** The submitted values as strings, for redisplaying a rejected form. */
export function valuesOf(body: FormBody): FormValues {
  const out: FormValues = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === '_csrf') continue;
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Reads typed values from a form, collecting a translated error per bad field instead of failing
 * at the first; `ok()` tells whether everything parsed. Blank optional fields read as null. Any
 * field holding NUL or an unpaired surrogate is an error from the start, so such a form is never
 * saved.
 */
export function formReader(tr: Translator, body: FormBody) {
  const errors = noErrors();
  const add = (name: string, message: string) => {
    const list = errors.fields[name] ?? [];
    list.push(message);
    errors.fields[name] = list;
  };
  // A NUL or unpaired surrogate anywhere in the form is an error on its field (spec §8 #38), even
  // on a field this submission does not use, and that field then reads as absent.
  const unstorable = new Set(Object.keys(body).filter((name) => !strings(body, name).every(isStorableText)));
  for (const name of unstorable) add(name, tr.t('form.unstorable'));
  const values = (name: string): string[] | undefined =>
    unstorable.has(name) ? undefined : strings(body, name);
  const first = (name: string): string | undefined => {
    const list = values(name);
    return list === undefined ? undefined : (list[0] ?? '');
  };
  /** The field's text when it has some; otherwise an error when required. */
  const present = (name: string, isRequired: boolean): string | undefined => {
    const value = first(name);
    if (value === undefined) return undefined;
    if (value.trim() === '') {
      if (isRequired) add(name, tr.t('form.required'));
      return undefined;
    }
    return value;
  };
  return {
    errors,
    add,
    ok: () => !hasErrors(errors),
    /** Text, trimmed unless `keepSpaces`; '' when blank and not required. */
    text(name: string, options: { required?: boolean; max?: number; keepSpaces?: boolean } = {}): string {
      const raw = present(name, options.required ?? true);
      if (raw === undefined) return '';
      const value = options.keepSpaces ? raw : raw.trim();
      if (options.max !== undefined && value.length > options.max)
        add(name, tr.t('form.maxLength', { max: options.max }));
      return value;
    },
    /** Every value of a multi-valued field (checkbox groups, multi-selects). */
    list(name: string): string[] {
      return values(name) ?? [];
    },
    integer(name: string, options: { required?: boolean; min?: number; max?: number } = {}): number | null {
      const raw = present(name, options.required ?? true)?.trim();
      if (raw === undefined) return null;
      const value = Number(raw);
      if (!INTEGER.test(raw) || !Number.isSafeInteger(value)) {
        add(name, tr.t('form.integer'));
        return null;
      }
      if (options.min !== undefined && value < options.min) add(name, tr.t('form.min', { min: options.min }));
      if (options.max !== undefined && value > options.max) add(name, tr.t('form.max', { max: options.max }));
      return value;
    },
    decimal(name: string, options: { required?: boolean; min?: number } = {}): number | null {
      const raw = present(name, options.required ?? true)
        ?.trim()
        .replace(',', '.');
      if (raw === undefined) return null;
      const value = Number(raw);
      if (!DECIMAL.test(raw) || !Number.isFinite(value)) {
        add(name, tr.t('form.number'));
        return null;
      }
      if (options.min !== undefined && value < options.min) add(name, tr.t('form.min', { min: options.min }));
      return value;
    },
    choice<T extends string>(
      name: string,
      choices: readonly T[],
      options: { required?: boolean } = {},
    ): T | null {
      const value = present(name, options.required ?? true)?.trim();
      if (value === undefined) return null;
      if (!(choices as readonly string[]).includes(value)) {
        add(name, tr.t('form.choice'));
        return null;
      }
      return value as T;
    },
    uuid(name: string, options: { required?: boolean } = {}): string | null {
      const value = present(name, options.required ?? true)?.trim();
      if (value === undefined) return null;
      if (!UUID.test(value)) {
        add(name, tr.t('form.uuid'));
        return null;
      }
      return value.toLowerCase();
    },
    checkbox(name: string): boolean {
      return (first(name) ?? '') !== '';
    },
    /** `YYYY-MM-DDTHH:MM[:SS]` from a datetime-local input, read as UTC. */
    datetime(name: string, options: { required?: boolean } = {}): Date | null {
      const raw = present(name, options.required ?? false)?.trim();
      if (raw === undefined) return null;
      const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(raw);
      const date = match
        ? new Date(`${raw.replace(' ', 'T')}${match[6] === undefined ? ':00' : ''}Z`)
        : undefined;
      if (!date || Number.isNaN(date.getTime())) {
        add(name, tr.t('form.datetime'));
        return null;
      }
      return date;
    },
  };
}

export type FormReader = ReturnType<typeof formReader>;

/**
 * A new password typed twice (`password`, `password2`, spaces kept): a mismatch is an error on the
 * confirmation. The password rules themselves are the domain's.
 */
export function readNewPassword(tr: Translator, form: FormReader): string {
  const password = form.text('password', { keepSpaces: true });
  const confirmation = form.text('password2', { keepSpaces: true });
  if (password !== '' && confirmation !== '' && password !== confirmation) {
    form.add('password2', tr.t('form.passwordMismatch'));
  }
  return password;
}

/** A `datetime-local` value (UTC) for a date. */
export function datetimeValue(date: Date | null): string {
  return date === null ? '' : date.toISOString().slice(0, 16);
}

/**
 * A domain validation error as form errors: each issue goes next to the field it names when the
 * form has one (the last element of its `loc`), otherwise above the form; messages translated.
 */
export function issuesToErrors(error: AppError, tr: Translator, formFields: readonly string[]): FormErrors {
  const errors = noErrors();
  const issues = error.details.issues ?? [];
  if (issues.length === 0) errors.nonField.push(tr.domain(error.message));
  for (const issue of issues) {
    const name = issue.loc[issue.loc.length - 1];
    const message = tr.domain(issue.msg);
    if (typeof name === 'string' && formFields.includes(name)) {
      const list = errors.fields[name] ?? [];
      list.push(message);
      errors.fields[name] = list;
    } else {
      errors.nonField.push(message);
    }
  }
  return errors;
}

export function isValidationError(error: unknown): error is AppError {
  return error instanceof AppError && error.code === 'VALIDATION';
}
