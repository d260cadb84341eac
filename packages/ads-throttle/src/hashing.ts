import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { canonicalizeIp } from './ip.ts';

/**
 * Keyed hashes used for every stored or cached identifier (behaviour §9, W19, W21, W22). All outputs are
 * 64 lower-case hex characters (HMAC-SHA256), except `ip('')` which is `''`.
 */
export interface Hasher {
  /** Short id of the secret, stored next to hashes so rules made with an older secret can be flagged. */
  readonly keyId: string;
  /** Hash of the canonical IP; `''` when the IP is empty. */
  ip(ip: string): string;
  /** Hash of a scope string (used in store keys). */
  scope(scope: string): string;
  /** Hash of the (viewer id, client IP, User-Agent) fingerprint, length-prefixed so no two triples collide. */
  fingerprint(viewerId: string, clientIp: string, userAgent: string): string;
  /** Hash of a viewer id (`user:<id>`, `session:<key>`), so session keys never reach rows or keys. */
  viewerId(viewerId: string): string;
}

/**
 * Length-prefixed encoding of string parts: `<utf8 byte length>:<part>` for each part, concatenated.
 * Unlike the original's `a:b:c` join, it is injective even when parts contain `:` (IPv6, UAs).
 */
export function encodeParts(parts: readonly string[]): string {
  return parts.map((part) => `${Buffer.byteLength(part)}:${part}`).join('');
}

/**
 * The original's fingerprint string `<viewer id>:<ip>:<user agent>` (behaviour §4.5). Shown for reference and
 * tests only: the port hashes `encodeParts(['fingerprint', viewerId, ip, userAgent])` instead.
 */
export function formatFingerprint(viewerId: string, clientIp: string, userAgent: string): string {
  return `${viewerId}:${clientIp}:${userAgent}`;
}

/**
 * HMAC-SHA256 of `encodeParts([label, ...parts])` as lower-case hex. The label separates the hash
 * domains, so an IP and a scope with the same text never share a hash.
 */
export function keyedHash(secret: string, label: string, ...parts: string[]): string {
  return createHmac('sha256', secret)
    .update(encodeParts([label, ...parts]))
    .digest('hex');
}

const SCOPE_CACHE_LIMIT = 10_000;

/** Creates the hasher for a secret (at least 32 bytes; validated by the configuration). */
export function createHasher(secret: string): Hasher {
  // Scopes repeat across requests, so their hashes are memoised; the cap keeps hostile paths from growing it.
  const scopeCache = new Map<string, string>();
  return {
    keyId: keyedHash(secret, 'key-id').slice(0, 8),
    ip(ip) {
      const canonical = canonicalizeIp(ip);
      return canonical === '' ? '' : keyedHash(secret, 'ip', canonical);
    },
    scope(scope) {
      const cached = scopeCache.get(scope);
      if (cached !== undefined) return cached;
      const hash = keyedHash(secret, 'scope', scope);
      if (scopeCache.size >= SCOPE_CACHE_LIMIT) scopeCache.clear();
      scopeCache.set(scope, hash);
      return hash;
    },
    fingerprint(viewerId, clientIp, userAgent) {
      return keyedHash(secret, 'fingerprint', viewerId, clientIp, userAgent);
    },
    viewerId(viewerId) {
      return keyedHash(secret, 'viewer-id', viewerId);
    },
  };
}
