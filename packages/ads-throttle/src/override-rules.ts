import type { OverrideAction, OverrideRecord } from './throttle.repo.ts';

/** Active rules grouped by exact scope (`''` = site-wide), held in process (W25). */
export interface OverrideIndex {
  readonly byScope: ReadonlyMap<string, readonly OverrideRecord[]>;
  readonly size: number;
}

/** Who is asking, in the terms rules are written in. */
export interface OverrideSubject {
  scope: string;
  /** Host user id, `''` when anonymous. */
  userId: string;
  /** Keyed hash of the viewer id. */
  viewerIdHash: string;
  /** Keyed hash of the client IP, `''` when unknown. */
  ipHash: string;
}

/** The override outcome for one subject. */
export interface OverrideMatch {
  action: OverrideAction | null;
  /** For `block`: when the last matching block rule expires (`null` = never). */
  until?: Date | null;
}

/** An index with no rules. */
export const emptyOverrideIndex: OverrideIndex = { byScope: new Map(), size: 0 };

/** Groups rules by scope. */
export function buildOverrideIndex(rules: readonly OverrideRecord[]): OverrideIndex {
  const byScope = new Map<string, OverrideRecord[]>();
  for (const rule of rules) {
    const list = byScope.get(rule.scope);
    if (list === undefined) byScope.set(rule.scope, [rule]);
    else list.push(rule);
  }
  return { byScope, size: rules.length };
}

/** True when the rule is active at `now`: no expiry, or expiry strictly later (behaviour §4.7). */
export function isOverrideActive(rule: Pick<OverrideRecord, 'expiresAt'>, now: number): boolean {
  return rule.expiresAt === null || rule.expiresAt.getTime() > now;
}

function identityMatches(rule: OverrideRecord, subject: OverrideSubject): boolean {
  switch (rule.target) {
    case 'all':
      return true;
    case 'user':
      // A user rule matches by user id and by its `user:<id>` viewer id, like the original's FK + viewer_id.
      return (
        (subject.userId !== '' && rule.userId === subject.userId) ||
        rule.viewerIdHash === subject.viewerIdHash
      );
    case 'viewer':
      return rule.viewerIdHash === subject.viewerIdHash;
    case 'ip':
      return subject.ipHash !== '' && rule.ipAddressHash === subject.ipHash;
    default:
      return false;
  }
}

/**
 * Resolves the override for a subject: rules of the exact scope and site-wide rules that are active
 * and match the identity; any block beats any show, whatever their specificity (behaviour §0, §4.7).
 * Expiry is checked here, at decision time, so a rule never outlives its `expiresAt` (W6).
 */
export function matchOverride(index: OverrideIndex, subject: OverrideSubject, now: number): OverrideMatch {
  let show = false;
  let block = false;
  let until: Date | null | undefined;
  const scopes = subject.scope === '' ? [''] : ['', subject.scope];
  for (const scope of scopes) {
    for (const rule of index.byScope.get(scope) ?? []) {
      if (!isOverrideActive(rule, now) || !identityMatches(rule, subject)) continue;
      if (rule.action === 'block') {
        block = true;
        if (until !== null) {
          until =
            rule.expiresAt === null || until === undefined || rule.expiresAt > until ? rule.expiresAt : until;
        }
      } else {
        show = true;
      }
    }
  }
  if (block) return { action: 'block', until: until ?? null };
  return { action: show ? 'show' : null };
}
