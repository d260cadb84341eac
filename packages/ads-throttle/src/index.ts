// The package's one public entry. Fastify, Express and Redis live in subpath exports so that their
// optional peers are loaded only by hosts that use them.
export {
  type AdminActor,
  cleanOverrideInput,
  describeEvent,
  describeOverride,
  eventAdminPermissions,
  isValidViewerId,
  type OverrideInput,
  type OverrideView,
  overrideFormInitial,
  settingsAdminPermissions,
  viewerLabel,
} from './admin.ts';
export {
  DEVELOPMENT_HASH_SECRET,
  defaultThrottleConfig,
  findInvalidThrottleValues,
  type IpMode,
  loadThrottleConfig,
  MIN_HASH_SECRET_BYTES,
  type OnErrorBehaviour,
  resolveThrottleConfig,
  type ThrottleConfig,
  type ThrottleOptions,
  type TrustProxy,
} from './config.ts';
export {
  AdsThrottleError,
  AdsThrottleErrorCode,
  type AdsThrottleErrorOptions,
  type FieldError,
  isAdsThrottleError,
} from './errors.ts';
export { createHasher, encodeParts, formatFingerprint, type Hasher, keyedHash } from './hashing.ts';
export {
  canonicalizeIp,
  createIpResolver,
  type HeaderBag,
  type IpPolicy,
  type IpSource,
  isValidIp,
  resolveIpParity,
} from './ip.ts';
export type { EventListFilter, OverrideListFilter, ThrottleManagement } from './management.ts';
export { createMemoryStore, type MemoryStoreOptions } from './memory.store.ts';
export {
  type Locale,
  type MessageCatalogue,
  type MessageKey,
  messages,
  resolveLocale,
  t,
} from './messages.ts';
export { type AdsThrottleMigration, adsThrottleMigrations, adsThrottleTables } from './migrations.ts';
export {
  buildOverrideIndex,
  isOverrideActive,
  matchOverride,
  type OverrideIndex,
  type OverrideMatch,
  type OverrideSubject,
} from './override-rules.ts';
export {
  type Clock,
  type HitInput,
  type HitReason,
  type HitResult,
  type HitState,
  storeKeys,
  systemClock,
  type ThrottleStore,
} from './store.ts';
export {
  type EventReason,
  type EventRecord,
  MAX_SCOPE_LENGTH,
  type OverrideAction,
  type OverrideRecord,
  type OverrideTarget,
  type Page,
  type QueryFn,
  type SettingsRecord,
  type ThrottleValues,
} from './throttle.repo.ts';
export {
  type AdsDecision,
  type AdsThrottle,
  type AdsThrottleStats,
  type CreateAdsThrottleOptions,
  createAdsThrottle,
  createDecisionMemo,
  type DecideOptions,
  type DecisionMemo,
  type DecisionReason,
  type EffectiveSettings,
  type Logger,
  type ResolvedViewer,
  silentLogger,
  type ThrottleFailure,
} from './throttle.ts';
export {
  resolveScope,
  resolveUserAgent,
  resolveViewerId,
  scopeFromPath,
  type ViewerInput,
} from './viewer.ts';
