import type { DecisionMemo } from './throttle.ts';

/**
 * A `showAds` value for async templates: a thenable that starts the decision only when a template
 * awaits it, so pages that never read it never count an impression (the original's tag semantics).
 * Sync engines cannot await; they need the route opt-in that resolves a plain boolean first.
 */
export interface LazyShowAds extends PromiseLike<boolean> {
  /** True once something has awaited the value and the decision has started. */
  readonly started: boolean;
}

/** Builds a lazy `showAds` for one scope over a request's memo. */
export function createLazyShowAds(memo: () => DecisionMemo, scope?: string | null): LazyShowAds {
  let decision: Promise<boolean> | undefined;
  return {
    get started() {
      return decision !== undefined;
    },
    // biome-ignore lint/suspicious/noThenProperty: a thenable is the point: `await it.showAds` starts the decision.
    then(onFulfilled, onRejected) {
      decision ??= memo().shouldShowAds(scope);
      return decision.then(onFulfilled, onRejected);
    },
  };
}

/** The route-level opt-in: `true` for the request path, or explicit scopes. */
export type AdsRouteOptIn = boolean | { scope?: string; scopes?: readonly string[] };

/**
 * Resolves a route opt-in into template values: `showAds` for the default scope and `adsFor` for every
 * extra scope. Uses the request memo, so a template helper reading the same scope later counts nothing more.
 */
export async function resolveOptIn(
  memo: DecisionMemo,
  optIn: AdsRouteOptIn,
): Promise<{ showAds: boolean; adsFor: Record<string, boolean> }> {
  const spec = optIn === true || optIn === false ? {} : optIn;
  const adsFor: Record<string, boolean> = {};
  const extra = Promise.all(
    (spec.scopes ?? []).map(async (scope) => {
      adsFor[scope] = await memo.shouldShowAds(scope);
    }),
  );
  const showAds = await memo.shouldShowAds(spec.scope);
  await extra;
  return { showAds, adsFor };
}
