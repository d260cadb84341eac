import type { ListPage } from '@adnova/core/admin/list-query';
import { ADMIN } from '../context.ts';
import type { FormErrors } from '../forms.ts';
import { type HtmlValue, html, type SafeHtml } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';

/** The list page's query-string state: search `q`, ordering `o`, page `p` and the filters. */
export type ListQuery = Record<string, string>;

/** `base` with the current query string, changed by `changes` (null removes a parameter). */
export function withQuery(
  base: string,
  current: ListQuery,
  changes: Record<string, string | null> = {},
): string {
  const params = new URLSearchParams();
  const merged: Record<string, string | null> = { ...current, ...changes };
  for (const [key, value] of Object.entries(merged))
    if (value !== null && value !== '') params.set(key, value);
  const search = params.toString();
  return search === '' ? base : `${base}?${search}`;
}

export type Column<T> = {
  label: string;
  /** The sort key of `?o=`, when the column sorts. */
  sort?: string;
  cell(row: T): HtmlValue;
  numeric?: boolean;
};

export type FilterChoice = { value: string; label: string };
export type Filter = { name: string; label: string; choices: FilterChoice[] };

export type BulkAction = { value: string; label: string };

export type ChangeListOptions<T> = {
  tr: Translator;
  basePath: string;
  query: ListQuery;
  page: Pick<ListPage<T>, 'rows' | 'total' | 'page' | 'pages'> & { sort?: string };
  columns: Column<T>[];
  /** Where the first column links to (the record's change or view page). */
  link(row: T): string | undefined;
  filters?: Filter[];
  /** A placeholder naming what the search looks in; no search box when absent. */
  searchHint?: string;
  actions?: { items: BulkAction[]; rowId(row: T): string; csrfToken: string };
  /** Markup above the table, inside the filter column (e.g. a free-text filter form). */
  extraFilters?: SafeHtml;
};

function sortLink<T>(options: ChangeListOptions<T>, column: Column<T>): SafeHtml {
  if (column.sort === undefined) return html`<span>${column.label}</span>`;
  const current = options.page.sort ?? '';
  const ascending = current === column.sort;
  const descending = current === `-${column.sort}`;
  const next = ascending ? `-${column.sort}` : column.sort;
  const arrow = ascending ? ' ▲' : descending ? ' ▼' : '';
  return html`<a href="${withQuery(options.basePath, options.query, { o: next, p: null })}" class="sortable${ascending || descending ? ' sorted' : ''}">${column.label}${arrow}</a>`;
}

function pagination<T>(options: ChangeListOptions<T>): SafeHtml {
  const { tr, page } = options;
  const pages: (number | '…')[] = [];
  for (let p = 1; p <= page.pages; p++) {
    if (p === 1 || p === page.pages || Math.abs(p - page.page) <= 2) pages.push(p);
    else if (pages[pages.length - 1] !== '…') pages.push('…');
  }
  return html`<p class="paginator">
    ${
      page.pages > 1
        ? pages.map((p) =>
            p === '…'
              ? html`<span class="ellipsis">…</span> `
              : p === page.page
                ? html`<span class="this-page" aria-current="page">${p}</span> `
                : html`<a href="${withQuery(options.basePath, options.query, { p: String(p) })}">${p}</a> `,
          )
        : ''
    }
    <span class="count">${tr.t('list.results', { count: page.total })}</span>
  </p>`;
}

function filterSidebar<T>(options: ChangeListOptions<T>): SafeHtml {
  const { tr } = options;
  const filters = options.filters ?? [];
  if (filters.length === 0 && !options.extraFilters) return html``;
  const active = filters.some((f) => options.query[f.name] !== undefined);
  return html`<nav id="changelist-filter" aria-labelledby="changelist-filter-header">
    <h2 id="changelist-filter-header">${tr.t('list.filter')}</h2>
    ${
      active
        ? html`<h3 id="changelist-filter-clear"><a href="${withQuery(
            options.basePath,
            options.query,
            Object.fromEntries(filters.map((f) => [f.name, null]).concat([['p', null]])),
          )}">✖ ${tr.t('list.clearFilters')}</a></h3>`
        : ''
    }
    ${options.extraFilters ?? ''}
    ${filters.map((filter) => {
      const current = options.query[filter.name];
      return html`<details data-filter-title="${filter.label}" open>
        <summary>${tr.t('list.filterBy', { name: filter.label })}</summary>
        <ul>
          <li class="${current === undefined ? 'selected' : ''}"><a href="${withQuery(options.basePath, options.query, { [filter.name]: null, p: null })}">${tr.t('list.all')}</a></li>
          ${filter.choices.map(
            (choice) =>
              html`<li class="${current === choice.value ? 'selected' : ''}"><a href="${withQuery(options.basePath, options.query, { [filter.name]: choice.value, p: null })}" data-filter="${filter.name}" data-value="${choice.value}">${choice.label}</a></li>`,
          )}
        </ul>
      </details>`;
    })}
  </nav>`;
}

/**
 * Django's change list: search bar, bulk actions, a sortable table whose first column links to the
 * record, filters on the right, pagination below. The search filters as you type when htmx is
 * loaded (only `#changelist` is swapped); without it the form submits normally.
 */
export function changeList<T>(options: ChangeListOptions<T>): SafeHtml {
  const { tr, page } = options;
  const hidden = Object.entries(options.query).filter(([key]) => key !== 'q' && key !== 'p');
  const table = html`<div class="results">
    <table id="result_list">
      <thead><tr>
        ${options.actions ? html`<th scope="col" class="action-checkbox-column"><input type="checkbox" id="action-toggle" aria-label="${tr.t('list.selectAll')}"></th>` : ''}
        ${options.columns.map((c) => html`<th scope="col" class="${c.numeric ? 'numeric' : ''}">${sortLink(options, c)}</th>`)}
      </tr></thead>
      <tbody>
        ${
          page.rows.length === 0
            ? html`<tr><td colspan="${options.columns.length + (options.actions ? 1 : 0)}" class="empty">${tr.t('list.empty')}</td></tr>`
            : page.rows.map((row) => {
                const href = options.link(row);
                return html`<tr>
                  ${options.actions ? html`<td class="action-checkbox"><input type="checkbox" name="ids" value="${options.actions.rowId(row)}" class="action-select" aria-label="${tr.t('list.select')}"></td>` : ''}
                  ${options.columns.map((column, i) =>
                    i === 0
                      ? html`<th scope="row" class="${column.numeric ? 'numeric' : ''}">${href ? html`<a href="${href}">${column.cell(row)}</a>` : column.cell(row)}</th>`
                      : html`<td class="${column.numeric ? 'numeric' : ''}">${column.cell(row)}</td>`,
                  )}
                </tr>`;
              })
        }
      </tbody>
    </table>
  </div>`;
  return html`<div id="changelist" class="${options.filters?.length || options.extraFilters ? 'filtered' : ''}">
    <div class="changelist-main">
      ${
        options.searchHint === undefined
          ? ''
          : html`<div id="toolbar"><form id="changelist-search" method="get" action="${options.basePath}" role="search"
              hx-get="${options.basePath}" hx-trigger="input changed delay:400ms from:#searchbar, submit"
              hx-target="#changelist" hx-select="#changelist" hx-swap="outerHTML" hx-push-url="true">
              <label for="searchbar" class="visually-hidden">${tr.t('action.search')}</label>
              <input type="search" size="40" name="q" value="${options.query.q ?? ''}" id="searchbar" placeholder="${options.searchHint}" maxlength="200">
              ${hidden.map(([key, value]) => html`<input type="hidden" name="${key}" value="${value}">`)}
              <input type="submit" value="${tr.t('action.search')}">
            </form></div>`
      }
      ${
        options.actions
          ? html`<form id="changelist-form" method="post" action="${options.basePath}">
              <input type="hidden" name="_csrf" value="${options.actions.csrfToken}">
              <div class="actions">
                <label>${tr.t('list.action')} <select name="action" required>
                  <option value="">---------</option>
                  ${options.actions.items.map((a) => html`<option value="${a.value}">${a.label}</option>`)}
                </select></label>
                <button type="submit" class="button" name="index" value="0">${tr.t('action.go')}</button>
              </div>
              ${table}
            </form>`
          : table
      }
      ${pagination(options)}
    </div>
    ${filterSidebar(options)}
  </div>`;
}

type Common = { name: string; label: string; help?: HtmlValue; required?: boolean; disabled?: boolean };

/** One form row. `readonly` shows a value that cannot be edited here. */
export type FieldSpec =
  | (Common & {
      kind: 'text' | 'password' | 'number' | 'email' | 'datetime-local';
      value: string | undefined;
      attrs?: Record<string, string | number | undefined>;
    })
  | (Common & { kind: 'textarea'; value: string | undefined; rows?: number; maxLength?: number })
  | (Common & { kind: 'select' | 'radios'; value: string | undefined; choices: FilterChoice[] })
  | (Common & { kind: 'checkbox'; checked: boolean })
  | (Common & { kind: 'checkboxes'; choices: FilterChoice[]; selected: readonly string[] })
  | (Common & { kind: 'readonly'; display: HtmlValue })
  | (Common & { kind: 'custom'; widget: SafeHtml });

function attributes(attrs: Record<string, string | number | undefined> | undefined): SafeHtml {
  return html`${Object.entries(attrs ?? {}).map(([k, v]) => (v === undefined ? '' : html` ${k}="${v}"`))}`;
}

function widget(spec: FieldSpec, invalid: boolean): SafeHtml {
  const id = `id_${spec.name}`;
  const aria = invalid ? html` aria-invalid="true" aria-describedby="${id}_error"` : html``;
  const req = spec.required ? html` required` : html``;
  const dis = spec.disabled ? html` disabled` : html``;
  switch (spec.kind) {
    case 'textarea':
      return html`<textarea name="${spec.name}" id="${id}" rows="${spec.rows ?? 4}" cols="60"${spec.maxLength ? html` maxlength="${spec.maxLength}"` : ''}${req}${dis}${aria}>${spec.value ?? ''}</textarea>`;
    case 'select':
      return html`<select name="${spec.name}" id="${id}"${req}${dis}${aria}>
        ${spec.choices.map((c) => html`<option value="${c.value}"${c.value === (spec.value ?? '') ? html` selected` : ''}>${c.label}</option>`)}
      </select>`;
    case 'radios':
      return html`<div class="radiolist" id="${id}" role="radiogroup"${aria}>
        ${spec.choices.map(
          (c, i) =>
            html`<label for="${id}_${i}"><input type="radio" name="${spec.name}" id="${id}_${i}" value="${c.value}"${c.value === spec.value ? html` checked` : ''}${dis}> ${c.label}</label>`,
        )}
      </div>`;
    case 'checkbox':
      return html`<input type="checkbox" name="${spec.name}" id="${id}" value="on"${spec.checked ? html` checked` : ''}${dis}${aria}>`;
    case 'checkboxes':
      return html`<ul class="checkboxlist" id="${id}">
        ${spec.choices.map(
          (c, i) =>
            html`<li><label for="${id}_${i}"><input type="checkbox" name="${spec.name}" id="${id}_${i}" value="${c.value}"${spec.selected.includes(c.value) ? html` checked` : ''}${dis}> ${c.label}</label></li>`,
        )}
      </ul>`;
    case 'readonly':
      return html`<div class="readonly" id="${id}">${spec.display}</div>`;
    case 'custom':
      return spec.widget;
    default:
      return html`<input type="${spec.kind}" name="${spec.name}" id="${id}" value="${spec.value ?? ''}"${attributes(spec.attrs)}${req}${dis}${aria}>`;
  }
}

/** A labelled field with its errors right above it and its help text below (Django's form-row). */
export function formRow(spec: FieldSpec, errors: FormErrors): SafeHtml {
  const list = errors.fields[spec.name] ?? [];
  const id = `id_${spec.name}`;
  const label =
    spec.kind === 'readonly' || spec.kind === 'radios' || spec.kind === 'checkboxes'
      ? html`<span class="label${spec.required ? ' required' : ''}">${spec.label}:</span>`
      : html`<label for="${id}" class="${spec.required ? 'required' : ''}">${spec.label}:</label>`;
  return html`<div class="form-row field-${spec.name}${list.length > 0 ? ' errors' : ''}">
    ${list.length > 0 ? html`<ul class="errorlist" id="${id}_error">${list.map((m) => html`<li>${m}</li>`)}</ul>` : ''}
    <div class="${spec.kind === 'checkbox' ? 'checkbox-row' : ''}">
      ${spec.kind === 'checkbox' ? html`${widget(spec, list.length > 0)} ${label}` : html`${label} ${widget(spec, list.length > 0)}`}
    </div>
    ${spec.help === undefined ? '' : html`<div class="help">${spec.help}</div>`}
  </div>`;
}

export type Fieldset = { title?: string; fields: FieldSpec[] };

export type FormOptions = {
  tr: Translator;
  action: string;
  csrfToken: string;
  errors: FormErrors;
  fieldsets: Fieldset[];
  /** Save buttons; absent for a view-only page. */
  submit?: { continueEditing?: boolean; label?: string };
  deleteHref?: string;
  multipart?: boolean;
  id?: string;
};

/** A change form: the errors summary, fieldsets, and the submit row. */
export function changeForm(options: FormOptions): SafeHtml {
  const { tr, errors } = options;
  const total = errors.nonField.length + Object.values(errors.fields).reduce((n, list) => n + list.length, 0);
  return html`<form method="post" action="${options.action}" id="${options.id ?? 'change-form'}" novalidate${options.multipart ? html` enctype="multipart/form-data"` : ''}>
    <input type="hidden" name="_csrf" value="${options.csrfToken}">
    ${total > 0 ? html`<p class="errornote">${tr.t('form.errorsBelow')}</p>` : ''}
    ${errors.nonField.length > 0 ? html`<ul class="errorlist nonfield">${errors.nonField.map((m) => html`<li>${m}</li>`)}</ul>` : ''}
    ${options.fieldsets.map(
      (set) => html`<fieldset class="module aligned">
        ${set.title ? html`<h2>${set.title}</h2>` : ''}
        ${set.fields.map((f) => formRow(f, errors))}
      </fieldset>`,
    )}
    ${
      options.submit || options.deleteHref
        ? html`<div class="submit-row">
          ${options.submit ? html`<input type="submit" value="${options.submit.label ?? tr.t('action.save')}" class="default" name="_save">` : ''}
          ${options.submit?.continueEditing ? html`<input type="submit" value="${tr.t('action.saveContinue')}" name="_continue">` : ''}
          ${options.deleteHref ? html`<a href="${options.deleteHref}" class="deletelink">${tr.t('action.delete')}</a>` : ''}
        </div>`
        : ''
    }
  </form>`;
}

/** Django's "Are you sure?" page body. */
export function deleteConfirmation(options: {
  tr: Translator;
  csrfToken: string;
  action: string;
  question: string;
  consequences?: string[];
  cancelHref: string;
}): SafeHtml {
  const { tr } = options;
  return html`<div class="delete-confirmation">
    <p>${options.question}</p>
    ${options.consequences?.length ? html`<ul>${options.consequences.map((c) => html`<li>${c}</li>`)}</ul>` : ''}
    <form method="post" action="${options.action}">
      <input type="hidden" name="_csrf" value="${options.csrfToken}">
      <input type="hidden" name="post" value="yes">
      <input type="submit" value="${tr.t('action.confirmDelete')}" class="button danger">
      <a href="${options.cancelHref}" class="button cancel-link">${tr.t('action.cancel')}</a>
    </form>
  </div>`;
}

/** A yes/no/unknown icon, as Django shows booleans in lists. */
export function booleanIcon(tr: Translator, value: boolean | null): SafeHtml {
  if (value === null)
    return html`<span class="icon-unknown" title="${tr.t('list.unknown')}">?<span class="visually-hidden"> ${tr.t('list.unknown')}</span></span>`;
  return value
    ? html`<span class="icon-yes" title="${tr.t('list.yes')}">✔<span class="visually-hidden"> ${tr.t('list.yes')}</span></span>`
    : html`<span class="icon-no" title="${tr.t('list.no')}">✘<span class="visually-hidden"> ${tr.t('list.no')}</span></span>`;
}

/** A link to a record's change page, e.g. `changeLink('clients', id, login)`. */
export function changeLink(path: string, id: string | number, label: HtmlValue): SafeHtml {
  return html`<a href="${ADMIN}/${path}/${id}/change/">${label}</a>`;
}

/** Yes/no (and unknown) filter choices. */
export function yesNo(tr: Translator, withUnknown = false): FilterChoice[] {
  return [
    { value: 'yes', label: tr.t('list.yes') },
    { value: 'no', label: tr.t('list.no') },
    ...(withUnknown ? [{ value: 'unknown', label: tr.t('list.unknown') }] : []),
  ];
}

/** A timestamp in UTC, minute precision. */
export function formatTime(date: Date | null | undefined): string {
  if (!date) return '—';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Money from SQL (a decimal string) shown as it is stored, without float noise. */
export function formatMoney(value: string | number): string {
  const text = String(value);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/**
 * A filter reached through links only (e.g. "this advertiser's campaigns"): shown while active,
 * so it can be seen and cleared, with the value as its one choice.
 */
export function linkedFilter(name: string, label: string, current: ListQuery, display?: string): Filter[] {
  const value = current[name];
  return value === undefined ? [] : [{ name, label, choices: [{ value, label: display ?? value }] }];
}
