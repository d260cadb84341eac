import { can, canView, type Resource, type StaffPrincipal } from '@adnova/core/admin/permissions';
import { ADMIN } from '../context.ts';
import type { MessageKey, Translator } from '../i18n/i18n.ts';

/** One model of the admin's sidebar and home page. */
export type NavEntry = { label: string; href: string; addHref: string | undefined };
export type NavGroup = { label: string; entries: NavEntry[] };

type Model = { resource: Resource; path: string; plural: MessageKey; addable: boolean };

const ADNOVA: readonly Model[] = [
  { resource: 'advertiser', path: 'advertisers', plural: 'res.advertiser.many', addable: true },
  { resource: 'campaign', path: 'campaigns', plural: 'res.campaign.many', addable: false },
  { resource: 'click', path: 'clicks', plural: 'res.click.many', addable: false },
  { resource: 'client', path: 'clients', plural: 'res.client.many', addable: true },
  { resource: 'impression', path: 'impressions', plural: 'res.impression.many', addable: false },
  { resource: 'mlscore', path: 'ml-scores', plural: 'res.mlscore.many', addable: true },
  { resource: 'report', path: 'reports', plural: 'res.report.many', addable: false },
];

export function capitalize(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** The models the principal may open, grouped like Django's apps. */
export function navGroups(tr: Translator, principal: StaffPrincipal): NavGroup[] {
  const entry = (model: Model): NavEntry => ({
    label: capitalize(tr.t(model.plural)),
    href: `${ADMIN}/${model.path}/`,
    addHref:
      model.addable && can(principal, model.resource, 'add') ? `${ADMIN}/${model.path}/add/` : undefined,
  });
  const groups: NavGroup[] = [];
  const adnova = ADNOVA.filter((m) => canView(principal, m.resource)).map(entry);
  if (adnova.length > 0) groups.push({ label: 'AdNova', entries: adnova });

  const throttle: NavEntry[] = [];
  if (canView(principal, 'throttle_event')) {
    throttle.push({
      label: tr.tt('event.namePlural'),
      href: `${ADMIN}/throttle/events/`,
      addHref: undefined,
    });
  }
  if (canView(principal, 'throttle_override')) {
    throttle.push({
      label: tr.tt('override.namePlural'),
      href: `${ADMIN}/throttle/overrides/`,
      addHref: can(principal, 'throttle_override', 'add') ? `${ADMIN}/throttle/overrides/add/` : undefined,
    });
  }
  if (canView(principal, 'throttle_settings')) {
    throttle.push({
      label: tr.tt('settings.namePlural'),
      href: `${ADMIN}/throttle/settings/`,
      addHref: undefined,
    });
  }
  if (throttle.length > 0) groups.push({ label: tr.tt('app.title'), entries: throttle });

  if (principal.isSuperuser) {
    groups.push({
      label: tr.t('app.auth'),
      entries: [
        {
          label: capitalize(tr.t('res.group.many')),
          href: `${ADMIN}/groups/`,
          addHref: `${ADMIN}/groups/add/`,
        },
        { label: capitalize(tr.t('res.user.many')), href: `${ADMIN}/users/`, addHref: `${ADMIN}/users/add/` },
      ],
    });
  }
  return groups;
}
