import { type Action, RESOURCE_ACTIONS, RESOURCES, type Resource } from '@adnova/core/admin/permissions';
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import { capitalize } from './nav.ts';

const ACTIONS: readonly Action[] = ['view', 'add', 'change', 'delete'];

/** A resource's name in the admin's language (throttle models use the library's catalogue). */
export function resourceLabel(tr: Translator, resource: Resource): string {
  switch (resource) {
    case 'throttle_settings':
      return tr.tt('settings.namePlural');
    case 'throttle_override':
      return tr.tt('override.namePlural');
    case 'throttle_event':
      return tr.tt('event.namePlural');
    default:
      return capitalize(tr.t(`res.${resource}.many`));
  }
}

/** `report.change` → "Reports: can change". */
export function permissionLabel(tr: Translator, permission: string): string {
  const [resource, action] = permission.split('.') as [Resource, Action];
  return `${resourceLabel(tr, resource)}: ${tr.t(`perm.${action}`)}`;
}

/** The permission checkboxes as a resource × action grid; unsupported actions have no box. */
export function permissionMatrix(
  tr: Translator,
  name: string,
  selected: readonly string[],
  disabled = false,
): SafeHtml {
  return html`<table class="permission-matrix" id="id_${name}">
    <thead><tr><th scope="col"></th>${ACTIONS.map((a) => html`<th scope="col">${tr.t(`perm.${a}`)}</th>`)}</tr></thead>
    <tbody>
      ${RESOURCES.map(
        (resource) => html`<tr>
          <th scope="row">${resourceLabel(tr, resource)}</th>
          ${ACTIONS.map((action) => {
            const value = `${resource}.${action}`;
            return (RESOURCE_ACTIONS[resource] as readonly string[]).includes(action)
              ? html`<td><input type="checkbox" name="${name}" value="${value}" aria-label="${resourceLabel(tr, resource)}: ${tr.t(`perm.${action}`)}"${selected.includes(value) ? html` checked` : ''}${disabled ? html` disabled` : ''}></td>`
              : html`<td class="na">—</td>`;
          })}
        </tr>`,
      )}
    </tbody>
  </table>`;
}
