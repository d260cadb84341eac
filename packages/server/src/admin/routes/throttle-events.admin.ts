import { type EventRecord, eventAdminPermissions } from '@adnova/ads-throttle';
import { AppError } from '@adnova/core/errors';
import type { FastifyInstance } from 'fastify';
import { adminContext, flash, requirePermission } from '../context.ts';
import { sendDeletePage } from '../crud.ts';
import { html } from '../html.ts';
import { readListQuery } from '../list-params.ts';
import { type Kit, redirect, sendPage } from '../render.ts';
import { booleanIcon, changeList, formatTime, yesNo } from '../views/widgets.ts';
import { appCrumb, EVENTS, pageOf, paging, shortHash, throttleId } from './throttle.shared.ts';

/**
 * The throttle's events (ads-throttle README, "Events"): read-only; superusers may delete.
 *
 * Hand-written rather than a `ModelAdmin`: an event has no page of its own (the library has no
 * `getEvent`, and the list links nowhere), while `registerModelAdmin` gives every record a
 * change/view page, reads it before a delete and links the delete page's crumb and "Cancel" to it.
 * Deleting is for superusers only and not an assignable permission, so the resource's `delete` is
 * never granted; and the list has a free-text scope filter and a delete column shown by who asks.
 * Each needs its own hook in crud.ts, more than this page's length saves.
 */
export async function throttleEventsAdmin(app: FastifyInstance, kit: Kit): Promise<void> {
  const { deps } = kit;
  const throttle = deps.throttle;

  const SINCE_DAYS = { today: 1, week: 7, month: 30 } as const;

  app.get('/throttle/events/', async (request, reply) => {
    const principal = requirePermission(request, 'throttle_event', 'view');
    const { tr } = adminContext(request);
    const { params, current } = readListQuery(request.query, ['blocked', 'reason', 'last_seen', 'scope']);
    const filters = params.filters ?? {};
    const blocked =
      filters.blocked === undefined
        ? undefined
        : filters.blocked === 'yes'
          ? true
          : filters.blocked === 'no'
            ? false
            : null;
    const reason = filters.reason;
    const lastSeen = filters.last_seen;
    if (
      blocked === null ||
      (reason !== undefined && reason !== 'override' && reason !== 'threshold') ||
      (lastSeen !== undefined && !Object.hasOwn(SINCE_DAYS, lastSeen)) ||
      (filters.scope?.length ?? 0) > 512 ||
      (params.search?.length ?? 0) > 200
    ) {
      throw new AppError('VALIDATION', 'Invalid filter value.');
    }
    const { limit, offset, page } = paging(params.page);
    const since =
      lastSeen === undefined
        ? undefined
        : new Date(deps.clock.now() - SINCE_DAYS[lastSeen as keyof typeof SINCE_DAYS] * 86_400_000);
    const found = await throttle.listEvents({
      search: params.search,
      blocked,
      reason: reason as 'override' | 'threshold' | undefined,
      scope: filters.scope,
      since,
      limit,
      offset,
    });
    const deletable = eventAdminPermissions({ isSuperuser: principal.isSuperuser }).delete;
    return sendPage(request, reply, {
      title: tr.t('list.selectToView', { name: tr.tt('event.name') }),
      breadcrumbs: [appCrumb(tr), { label: tr.tt('event.namePlural') }],
      content: changeList<EventRecord>({
        tr,
        basePath: EVENTS,
        query: current,
        page: pageOf(found.items, found.total, page),
        columns: [
          { label: tr.tt('field.scope'), cell: (r) => r.scope || tr.tt('display.all') },
          { label: tr.tt('field.viewerHash'), cell: (r) => shortHash(r.viewerHash) },
          { label: tr.tt('field.ipAddressHash'), cell: (r) => shortHash(r.ipAddressHash) },
          { label: tr.tt('field.count'), cell: (r) => r.count, numeric: true },
          { label: tr.tt('field.blocked'), cell: (r) => booleanIcon(tr, r.blocked) },
          { label: tr.tt('event.reason'), cell: (r) => tr.tt(`event.reason.${r.reason}`) },
          { label: tr.tt('field.firstSeen'), cell: (r) => formatTime(r.firstSeen) },
          { label: tr.tt('field.lastSeen'), cell: (r) => formatTime(r.lastSeen) },
          ...(deletable
            ? [
                {
                  label: tr.t('action.delete'),
                  cell: (r: EventRecord) =>
                    html`<a href="${EVENTS}${r.id}/delete/" class="deletelink">${tr.t('action.delete')}</a>`,
                },
              ]
            : []),
        ],
        link: () => undefined,
        filters: [
          { name: 'blocked', label: tr.tt('field.blocked'), choices: yesNo(tr) },
          {
            name: 'reason',
            label: tr.tt('event.reason'),
            choices: [
              { value: 'threshold', label: tr.tt('event.reason.threshold') },
              { value: 'override', label: tr.tt('event.reason.override') },
            ],
          },
          {
            name: 'last_seen',
            label: tr.tt('field.lastSeen'),
            choices: [
              { value: 'today', label: tr.t('throttle.since.today') },
              { value: 'week', label: tr.t('throttle.since.week') },
              { value: 'month', label: tr.t('throttle.since.month') },
            ],
          },
        ],
        extraFilters: html`<form method="get" action="${EVENTS}" class="scope-filter">
          <label for="id_scope_filter">${tr.t('list.filterBy', { name: tr.tt('field.scope') })}</label>
          <input type="text" name="scope" id="id_scope_filter" value="${current.scope ?? ''}" maxlength="512" placeholder="/ads">
          ${Object.entries(current)
            .filter(([k]) => k !== 'scope' && k !== 'p')
            .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
          <input type="submit" value="${tr.t('list.apply')}">
        </form>`,
        searchHint: tr.t('throttle.eventSearch'),
      }),
    });
  });

  app.get<{ Params: { id: string } }>('/throttle/events/:id/delete/', async (request, reply) => {
    const principal = requirePermission(request, 'throttle_event', 'view');
    if (!eventAdminPermissions({ isSuperuser: principal.isSuperuser }).delete)
      throw new AppError('FORBIDDEN', 'Forbidden');
    const { tr } = adminContext(request);
    const id = throttleId(request.params.id);
    return sendDeletePage(request, reply, {
      crumbs: [appCrumb(tr), { label: tr.tt('event.namePlural'), href: EVENTS }],
      action: `${EVENTS}${id}/delete/`,
      question: tr.t('delete.question', { name: tr.tt('event.name'), object: `#${id}` }),
      cancelHref: EVENTS,
    });
  });

  app.post<{ Params: { id: string } }>('/throttle/events/:id/delete/', async (request, reply) => {
    const principal = requirePermission(request, 'throttle_event', 'view');
    const { tr } = adminContext(request);
    const id = throttleId(request.params.id);
    // The library enforces "superusers only" itself (ADS_THROTTLE_FORBIDDEN → 403).
    await throttle.deleteEvent(id, { isSuperuser: principal.isSuperuser });
    flash(deps, reply, {
      level: 'success',
      text: tr.t('msg.deleted', { name: tr.tt('event.name'), object: `#${id}` }),
    });
    return redirect(reply, EVENTS);
  });
}
