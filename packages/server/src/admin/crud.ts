import type { ListPage, ListParams } from '@adnova/core/admin/list-query';
import {
  type Action,
  can,
  canView,
  type Resource,
  type StaffPrincipal,
} from '@adnova/core/admin/permissions';
import type { Deps } from '@adnova/core/deps';
import { AppError, forbidden, notFound } from '@adnova/core/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN, adminContext, flash, principalOf } from './context.ts';
import {
  asBody,
  type FormBody,
  type FormErrors,
  type FormValues,
  field,
  fields,
  issuesToErrors,
  isValidationError,
  noErrors,
  valuesOf,
} from './forms.ts';
import { type HtmlValue, html } from './html.ts';
import type { MessageKey, Translator } from './i18n/i18n.ts';
import { readListQuery } from './list-params.ts';
import { csrfToken, type Kit, redirect, sendPage } from './render.ts';
import type { Crumb } from './views/layout.ts';
import { capitalize } from './views/nav.ts';
import {
  type Column,
  changeForm,
  changeList,
  deleteConfirmation,
  type FieldSpec,
  type Fieldset,
  type Filter,
  type ListQuery,
} from './views/widgets.ts';

export type FormMode = 'add' | 'change' | 'view';

/**
 * A model's name: a key of the admin's catalogues, or the name in the page's language from
 * elsewhere (the throttle's names are the library's own messages, `tr.tt`).
 */
export type ModelName = MessageKey | ((tr: Translator) => string);

/** What `save` returns: the saved record, or the problems to show on the form. */
export type SaveResult<R> = { record: R } | { errors: FormErrors };

/**
 * One model of the admin, Django's `ModelAdmin` in small: its list, its form, how a submitted
 * form is saved (always through the domain, so the API's rules apply) and how a record is deleted.
 */
export type ModelAdmin<Row, R> = {
  /** Whose permissions guard the pages; `superuser` for staff management (users, groups). */
  resource: Resource | 'superuser';
  /** URL segment under /admin, e.g. `clients`. */
  path: string;
  one: ModelName;
  many: ModelName;
  /** Crumbs between "Home" and the list on every page of the model (e.g. its app, the throttle). */
  parentCrumbs?(tr: Translator): Crumb[];
  /** Route pattern of one record, e.g. `:id` or `:clientId/:advertiserId`. */
  idPattern: string;
  searchHint(tr: Translator): string;
  columns(tr: Translator): Column<Row>[];
  /** Query-string filters the list accepts (some only through links, e.g. `advertiser`). */
  filterNames: readonly string[];
  filters(tr: Translator, current: ListQuery, deps: Deps): Filter[] | Promise<Filter[]>;
  list(deps: Deps, params: ListParams): Promise<ListPage<Row>>;
  /** The record's URL segment(s) from a list row, e.g. `<uuid>`. */
  rowKey(row: Row): string;
  get(deps: Deps, params: Record<string, string>): Promise<R>;
  recordKey(record: R): string;
  /** The record's name in titles, crumbs and messages; `tr` for names built from messages. */
  describe(record: R, tr: Translator): string;
  /** Form values of a stored record. */
  values(record: R): FormValues;
  /** Form values of the empty add form (Django's initial data); none when absent. */
  initial?(): FormValues;
  fieldsets(tr: Translator, mode: FormMode, values: FormValues, record: R | undefined): Fieldset[];
  /** Absent: the model has no add form. */
  create?(deps: Deps, tr: Translator, body: FormBody): Promise<SaveResult<R>>;
  update?(deps: Deps, tr: Translator, body: FormBody, record: R): Promise<SaveResult<R>>;
  remove?(deps: Deps, record: R, request: FastifyRequest): Promise<void>;
  /** What else a delete takes with it, for the confirmation page. */
  consequences?(tr: Translator, record: R): string[];
  /** Django's list actions: run on the rows ticked in the list. */
  bulkActions?(tr: Translator): BulkActionDef[];
  /** A note above the form (e.g. why some fields are read-only). */
  intro?(tr: Translator, record: R): HtmlValue;
  /** Extra blocks under the form (image, statistics links…). */
  extra?(tr: Translator, record: R, request: FastifyRequest, reply: FastifyReply): HtmlValue;
  /** A note under the form on the add page too (`extra` has a record to show, so change pages only). */
  formNote?(tr: Translator): HtmlValue;
  /** The form's HTML id, `change-form` when absent: a page script may bind to one model's form. */
  formId?: string;
  multipart?: boolean;
};

/** A list action: needs `permission`, asks for confirmation first when `confirm`. */
export type BulkActionDef = {
  value: string;
  label: string;
  permission: 'change' | 'delete';
  confirm?: boolean;
  run(deps: Deps, ids: string[]): Promise<number>;
  /** The success message for `count` records. */
  done(tr: Translator, count: number): string;
};

/** Domain validation errors become form errors; anything else propagates to the error page. */
export async function saving<R>(
  tr: Translator,
  formFields: readonly string[],
  run: () => Promise<R>,
): Promise<SaveResult<R>> {
  try {
    return { record: await run() };
  } catch (error) {
    if (isValidationError(error)) return { errors: issuesToErrors(error, tr, formFields) };
    throw error;
  }
}

/**
 * Whether a `get*` lookup finds its record. Only NOT_FOUND means absent: any other failure (the
 * database unreachable) is thrown, so an outage answers 503 instead of passing for "not found".
 */
export function exists(lookup: Promise<unknown>): Promise<boolean> {
  return lookup.then(
    () => true,
    (error: unknown) => {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return false;
      throw error;
    },
  );
}

/** A serial id from the path (staff users, groups); anything else names nothing. @throws AppError NOT_FOUND */
export function serialIdOf(params: Record<string, string>): number {
  const raw = params.id ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw notFound();
  return Number(raw);
}

/** Django's "Are you sure?" page for one object: `crumbs` lead to it, a "Delete" crumb ends them. */
export function sendDeletePage(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { crumbs: Crumb[]; action: string; question: string; consequences?: string[]; cancelHref: string },
): FastifyReply {
  const { tr } = adminContext(request);
  return sendPage(request, reply, {
    title: tr.t('delete.title'),
    breadcrumbs: [...options.crumbs, { label: tr.t('action.delete') }],
    content: deleteConfirmation({
      tr,
      csrfToken: csrfToken(reply),
      action: options.action,
      question: options.question,
      consequences: options.consequences,
      cancelHref: options.cancelHref,
    }),
  });
}

export function fieldNames(fieldsets: Fieldset[]): string[] {
  return fieldsets.flatMap((set) => set.fields.map((f) => f.name));
}

/** A field shown but not editable: its value (or the label of the chosen choice) as text. */
export function readonlyField(spec: FieldSpec): FieldSpec {
  switch (spec.kind) {
    case 'readonly':
    case 'custom':
      return spec;
    case 'checkbox':
      return {
        kind: 'readonly',
        name: spec.name,
        label: spec.label,
        display: spec.checked ? '✔' : '✘',
        help: spec.help,
      };
    case 'checkboxes':
      return {
        kind: 'readonly',
        name: spec.name,
        label: spec.label,
        display:
          spec.choices
            .filter((c) => spec.selected.includes(c.value))
            .map((c) => c.label)
            .join(', ') || '—',
      };
    case 'select':
    case 'radios':
      return {
        kind: 'readonly',
        name: spec.name,
        label: spec.label,
        display: spec.choices.find((c) => c.value === spec.value)?.label ?? spec.value ?? '—',
      };
    case 'password':
      return { kind: 'readonly', name: spec.name, label: spec.label, display: '••••••' };
    default:
      return { kind: 'readonly', name: spec.name, label: spec.label, display: spec.value || '—' };
  }
}

function nameOf(tr: Translator, name: ModelName): string {
  return typeof name === 'function' ? name(tr) : tr.t(name);
}

/** Registers list, add, change and delete pages of a model, each behind its permission. */
export function registerModelAdmin<Row, R>(app: FastifyInstance, kit: Kit, model: ModelAdmin<Row, R>): void {
  const { deps } = kit;
  const base = `${ADMIN}/${model.path}/`;
  const one = (tr: Translator) => nameOf(tr, model.one);
  const many = (tr: Translator) => nameOf(tr, model.many);
  const parentCrumbs = (tr: Translator) => model.parentCrumbs?.(tr) ?? [];
  const listCrumbs = (tr: Translator): Crumb[] => [
    ...parentCrumbs(tr),
    { label: capitalize(many(tr)), href: base },
  ];

  const allowed = (principal: StaffPrincipal, action: Action): boolean => {
    if (model.resource === 'superuser') return principal.isSuperuser;
    return action === 'view' ? canView(principal, model.resource) : can(principal, model.resource, action);
  };
  /** Checked before anything is read, so a refused request learns nothing. @throws AppError FORBIDDEN */
  const authorize = (request: FastifyRequest, action: Action): StaffPrincipal => {
    const principal = principalOf(request);
    if (!allowed(principal, action)) throw forbidden();
    return principal;
  };
  const bulk = (tr: Translator, principal: StaffPrincipal) =>
    (model.bulkActions?.(tr) ?? []).filter((a) => allowed(principal, a.permission));

  app.get(`/${model.path}/`, async (request, reply) => {
    const principal = authorize(request, 'view');
    const { tr } = adminContext(request);
    const { params, current } = readListQuery(request.query, model.filterNames);
    const filters = await model.filters(tr, current, deps);
    const page = await model.list(deps, params);
    const changeable = allowed(principal, 'change');
    const addable = model.create !== undefined && allowed(principal, 'add');
    return sendPage(request, reply, {
      title: tr.t(changeable ? 'list.selectToChange' : 'list.selectToView', { name: one(tr) }),
      breadcrumbs: [...parentCrumbs(tr), { label: capitalize(many(tr)) }],
      content: html`${
        addable
          ? html`<ul class="object-tools"><li><a href="${base}add/" class="addlink">${tr.t('action.addObject', { name: one(tr) })}</a></li></ul>`
          : ''
      }
      ${changeList({
        tr,
        basePath: base,
        query: current,
        page,
        columns: model.columns(tr),
        link: (row) => `${base}${model.rowKey(row)}/change/`,
        filters,
        searchHint: model.searchHint(tr),
        actions:
          bulk(tr, principal).length > 0
            ? { items: bulk(tr, principal), rowId: model.rowKey, csrfToken: csrfToken(reply) }
            : undefined,
      })}`,
    });
  });

  if (model.bulkActions) {
    app.post(`/${model.path}/`, async (request, reply) => {
      const principal = authorize(request, 'view');
      const { tr } = adminContext(request);
      const body = asBody(request.body);
      // Everything is read (and refused if unstorable) before anything is decided.
      const chosen = field(body, 'action');
      const ids = fields(body, 'ids');
      const confirmed = field(body, 'confirm') === 'yes';
      const action = bulk(tr, principal).find((a) => a.value === chosen);
      const known = (model.bulkActions?.(tr) ?? []).some((a) => a.value === chosen);
      if (!action) {
        if (known) throw forbidden();
        flash(deps, reply, { level: 'warning', text: tr.t('msg.noAction') });
        return redirect(reply, base);
      }
      if (ids.length === 0) {
        flash(deps, reply, { level: 'warning', text: tr.t('msg.nothingSelected') });
        return redirect(reply, base);
      }
      if (action.confirm && !confirmed) {
        return sendPage(request, reply, {
          title: tr.t('delete.title'),
          breadcrumbs: [...listCrumbs(tr), { label: action.label }],
          content: html`<div class="delete-confirmation">
            <p>${tr.t('delete.bulkQuestion', { count: ids.length, name: many(tr) })}</p>
            <form method="post" action="${base}">
              <input type="hidden" name="_csrf" value="${csrfToken(reply)}">
              <input type="hidden" name="action" value="${action.value}">
              <input type="hidden" name="confirm" value="yes">
              ${ids.map((id) => html`<input type="hidden" name="ids" value="${id}">`)}
              <input type="submit" value="${tr.t('action.confirmDelete')}" class="button danger">
              <a href="${base}" class="button cancel-link">${tr.t('action.cancel')}</a>
            </form>
          </div>`,
        });
      }
      const count = await action.run(deps, ids);
      flash(deps, reply, { level: 'success', text: action.done(tr, count) });
      return redirect(reply, base);
    });
  }

  const formPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    mode: FormMode,
    values: FormValues,
    errors: FormErrors,
    record: R | undefined,
    status = 200,
  ) => {
    const { tr } = adminContext(request);
    const principal = principalOf(request);
    const raw = model.fieldsets(tr, mode, values, record);
    const fieldsets =
      mode === 'view' ? raw.map((set) => ({ ...set, fields: set.fields.map(readonlyField) })) : raw;
    const title =
      mode === 'add'
        ? tr.t('action.addObject', { name: one(tr) })
        : tr.t(mode === 'change' ? 'action.changeObject' : 'action.viewObject', { name: one(tr) });
    const action = record === undefined ? `${base}add/` : `${base}${model.recordKey(record)}/change/`;
    const deletable = record !== undefined && model.remove !== undefined && allowed(principal, 'delete');
    return sendPage(request, reply, {
      title,
      status,
      breadcrumbs: [...listCrumbs(tr), { label: record === undefined ? title : model.describe(record, tr) }],
      content: html`${record === undefined ? '' : html`<h2 class="object-name">${model.describe(record, tr)}</h2>`}
        ${record === undefined || !model.intro ? '' : model.intro(tr, record)}
        ${changeForm({
          tr,
          id: model.formId,
          action,
          csrfToken: csrfToken(reply),
          errors,
          fieldsets,
          submit: mode === 'view' ? undefined : { continueEditing: true },
          deleteHref: deletable ? `${base}${model.recordKey(record)}/delete/` : undefined,
          multipart: model.multipart,
        })}
        ${record === undefined || !model.extra ? '' : model.extra(tr, record, request, reply)}
        ${model.formNote?.(tr) ?? ''}`,
    });
  };

  const afterSave = (request: FastifyRequest, reply: FastifyReply, record: R, added: boolean) => {
    const { tr } = adminContext(request);
    const body = asBody(request.body);
    flash(deps, reply, {
      level: 'success',
      text: tr.t(added ? 'msg.added' : 'msg.changed', { name: one(tr), object: model.describe(record, tr) }),
    });
    return redirect(reply, body._continue !== undefined ? `${base}${model.recordKey(record)}/change/` : base);
  };

  const create = model.create;
  if (create) {
    app.get(`/${model.path}/add/`, async (request, reply) => {
      authorize(request, 'add');
      return formPage(request, reply, 'add', model.initial?.() ?? {}, noErrors(), undefined);
    });
    app.post(`/${model.path}/add/`, async (request, reply) => {
      authorize(request, 'add');
      const { tr } = adminContext(request);
      const body = asBody(request.body);
      const result = await create(deps, tr, body);
      if ('errors' in result)
        return formPage(request, reply, 'add', valuesOf(body), result.errors, undefined, 400);
      return afterSave(request, reply, result.record, true);
    });
  }

  app.get<{ Params: Record<string, string> }>(
    `/${model.path}/${model.idPattern}/change/`,
    async (request, reply) => {
      const principal = authorize(request, 'view');
      const record = await model.get(deps, request.params);
      const mode: FormMode = model.update && allowed(principal, 'change') ? 'change' : 'view';
      return formPage(request, reply, mode, model.values(record), noErrors(), record);
    },
  );

  const update = model.update;
  if (update) {
    app.post<{ Params: Record<string, string> }>(
      `/${model.path}/${model.idPattern}/change/`,
      async (request, reply) => {
        authorize(request, 'change');
        const { tr } = adminContext(request);
        const record = await model.get(deps, request.params);
        const body = asBody(request.body);
        const result = await update(deps, tr, body, record);
        if ('errors' in result) {
          return formPage(
            request,
            reply,
            'change',
            { ...model.values(record), ...valuesOf(body) },
            result.errors,
            record,
            400,
          );
        }
        return afterSave(request, reply, result.record, false);
      },
    );
  }

  const remove = model.remove;
  if (remove) {
    app.get<{ Params: Record<string, string> }>(
      `/${model.path}/${model.idPattern}/delete/`,
      async (request, reply) => {
        authorize(request, 'delete');
        const { tr } = adminContext(request);
        const record = await model.get(deps, request.params);
        const path = `${base}${model.recordKey(record)}/`;
        return sendDeletePage(request, reply, {
          crumbs: [...listCrumbs(tr), { label: model.describe(record, tr), href: `${path}change/` }],
          action: `${path}delete/`,
          question: tr.t('delete.question', { name: one(tr), object: model.describe(record, tr) }),
          consequences: model.consequences?.(tr, record),
          cancelHref: `${path}change/`,
        });
      },
    );
    app.post<{ Params: Record<string, string> }>(
      `/${model.path}/${model.idPattern}/delete/`,
      async (request, reply) => {
        authorize(request, 'delete');
        const { tr } = adminContext(request);
        const record = await model.get(deps, request.params);
        await remove(deps, record, request);
        flash(deps, reply, {
          level: 'success',
          text: tr.t('msg.deleted', { name: one(tr), object: model.describe(record, tr) }),
        });
        return redirect(reply, base);
      },
    );
  }
}
