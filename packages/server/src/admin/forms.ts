import { AppError } from '@adnova/core/errors';
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

/** The first string submitted under `name` ('' when absent). */
export function field(body: FormBody, name: string): string {
  const value = body[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
}

/** Every string submitted under `name` (checkbox groups, multi-selects). */
export function fields(body: FormBody, name: string): string[] {
  const value = body[name];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
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
 * at the first; `ok()` tells whether everything parsed. Blank optional fields read as null.
 */
export function formReader(tr: Translator, body: FormBody) {
  const errors = noErrors();
  const add = (name: string, message: string) => {
    const list = errors.fields[name] ?? [];
    list.push(message);
    errors.fields[name] = list;
  };
  const blank = (name: string) => field(body, name).trim() === '';
  const required = (name: string, isRequired: boolean): boolean => {
    if (blank(name)) {
      if (isRequired) add(name, tr.t('form.required'));
      return false;
    }
    return true;
  };
  return {
    errors,
    add,
    ok: () => !hasErrors(errors),
    /** Text, trimmed unless `keepSpaces`; '' when blank and not required. */
    text(name: string, options: { required?: boolean; max?: number; keepSpaces?: boolean } = {}): string {
      const raw = field(body, name);
      const value = options.keepSpaces ? raw : raw.trim();
      if (!required(name, options.required ?? true)) return '';
      if (options.max !== undefined && value.length > options.max)
        add(name, tr.t('form.maxLength', { max: options.max }));
      return value;
    },
    integer(name: string, options: { required?: boolean; min?: number; max?: number } = {}): number | null {
      if (!required(name, options.required ?? true)) return null;
      const raw = field(body, name).trim();
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
      if (!required(name, options.required ?? true)) return null;
      const raw = field(body, name).trim().replace(',', '.');
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
      if (!required(name, options.required ?? true)) return null;
      const value = field(body, name).trim();
      if (!(choices as readonly string[]).includes(value)) {
        add(name, tr.t('form.choice'));
        return null;
      }
      return value as T;
    },
    uuid(name: string, options: { required?: boolean } = {}): string | null {
      if (!required(name, options.required ?? true)) return null;
      const value = field(body, name).trim();
      if (!UUID.test(value)) {
        add(name, tr.t('form.uuid'));
        return null;
      }
      return value.toLowerCase();
    },
    checkbox(name: string): boolean {
      return field(body, name) !== '';
    },
    /** `YYYY-MM-DDTHH:MM[:SS]` from a datetime-local input, read as UTC. */
    datetime(name: string, options: { required?: boolean } = {}): Date | null {
      if (!required(name, options.required ?? false)) return null;
      const raw = field(body, name).trim();
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
