import { escapeHtml } from '@adnova/core/shared/html';

/**
 * The admin's only way to build HTML: the `html` tagged template escapes every interpolated value
 * unless it is already `SafeHtml` (the result of another `html` template, or of `trustedHtml` for
 * markup the code itself produced). Arrays are concatenated item by item, each escaped the same
 * way; `null`, `undefined` and `false` render as nothing, so `${cond && html`…`}` works.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

export { escapeHtml };

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/**
 * Marks a string as markup without escaping it. Only for text the code builds itself from escaped
 * parts or constants (never request or database data).
 */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Joins values with a separator, each escaped as in `html`. */
export function joinHtml(values: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  return new SafeHtml(values.map(render).join(render(separator)));
}
