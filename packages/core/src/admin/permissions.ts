/**
 * What staff may do in the admin, Django-style: per resource, `view`, `add`, `change` and `delete`
 * where the resource supports them. Superusers may do everything; users and groups themselves are
 * managed by superusers only, so they have no assignable permissions.
 */
export const RESOURCE_ACTIONS = {
  advertiser: ['view', 'add', 'change', 'delete'],
  client: ['view', 'add', 'change', 'delete'],
  mlscore: ['view', 'add', 'change', 'delete'],
  campaign: ['view', 'change', 'delete'],
  impression: ['view'],
  click: ['view'],
  report: ['view', 'change', 'delete'],
  throttle_settings: ['view', 'change', 'delete'],
  throttle_override: ['view', 'add', 'change', 'delete'],
  // Deleting events is for superusers only (ads-throttle README, "Events"), so it is not assignable.
  throttle_event: ['view'],
} as const;

export type Resource = keyof typeof RESOURCE_ACTIONS;
export type Action = 'view' | 'add' | 'change' | 'delete';
export type Permission = { [R in Resource]: `${R}.${(typeof RESOURCE_ACTIONS)[R][number]}` }[Resource];

export const RESOURCES = Object.keys(RESOURCE_ACTIONS) as Resource[];

/** Every assignable permission, in display order. */
export const ALL_PERMISSIONS: readonly Permission[] = RESOURCES.flatMap((resource) =>
  RESOURCE_ACTIONS[resource].map((action) => `${resource}.${action}` as Permission),
);

const KNOWN = new Set<string>(ALL_PERMISSIONS);

export function isPermission(value: string): value is Permission {
  return KNOWN.has(value);
}

/** Whether the resource supports the action at all (for anyone, superusers included). */
export function supports(resource: Resource, action: Action): boolean {
  return (RESOURCE_ACTIONS[resource] as readonly string[]).includes(action);
}

/** Who is acting in the admin, with everything the permission checks need. */
export type StaffPrincipal = {
  id: number;
  username: string;
  isSuperuser: boolean;
  /** Own and group permissions together. */
  permissions: ReadonlySet<string>;
};

/** Superusers may do whatever the resource supports; staff what they were granted. */
export function can(principal: StaffPrincipal, resource: Resource, action: Action): boolean {
  if (!supports(resource, action)) return false;
  return principal.isSuperuser || principal.permissions.has(`${resource}.${action}`);
}

/** Whether the principal may open the resource's list and records: `change` implies `view` (Django). */
export function canView(principal: StaffPrincipal, resource: Resource): boolean {
  return can(principal, resource, 'view') || can(principal, resource, 'change');
}
