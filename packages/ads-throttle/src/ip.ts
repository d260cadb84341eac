import { BlockList, isIP } from 'node:net';
import type { IpMode, TrustProxy } from './config.ts';

/** Request headers as Node gives them: lower-case names, repeated headers as arrays or joined. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Canonical text form of an IP so that one address always hashes the same (W20): trims, drops
 * brackets, a `:port` suffix and an IPv6 zone, maps `::ffff:a.b.c.d` to `a.b.c.d`, and lower-cases and
 * compresses IPv6 (RFC 5952). A value that is not an IP comes back trimmed, so it still hashes stably.
 */
export function canonicalizeIp(raw: string | undefined | null): string {
  if (raw === undefined || raw === null) return '';
  let ip = raw.trim();
  if (ip === '') return '';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed?.[1] !== undefined) ip = bracketed[1];
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(':'));
  const zone = ip.indexOf('%');
  if (zone > 0 && ip.includes(':')) ip = ip.slice(0, zone);
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family !== 6) return ip;
  const mapped = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1] !== undefined && isIP(mapped[1]) === 4) return mapped[1];
  const compressed = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (hexMapped?.[1] !== undefined && hexMapped[2] !== undefined) {
    const high = Number.parseInt(hexMapped[1], 16);
    const low = Number.parseInt(hexMapped[2], 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return compressed;
}

/** True when `value` (after trimming) is a valid IPv4 or IPv6 address. */
export function isValidIp(value: string): boolean {
  return isIP(value.trim()) !== 0;
}

/** Inputs for client-IP resolution. */
export interface IpSource {
  headers?: HeaderBag;
  remoteAddress?: string | null;
}

/** The part of the configuration IP resolution needs. */
export interface IpPolicy {
  ipMode: IpMode;
  ipHeader: string;
  trustProxy: TrustProxy;
}

/**
 * Builds the client-IP resolver for a policy. `parity` follows the original's rules exactly
 * (behaviour §4.3) and returns the raw, uncanonicalised value; `trusted-proxy` believes forwarding headers
 * only from trusted peers, walks `X-Forwarded-For` from the right, and canonicalises the result.
 */
export function createIpResolver(policy: IpPolicy): (source: IpSource) => string {
  if (policy.ipMode === 'parity') return (source) => resolveIpParity(source, policy.ipHeader);
  const isTrusted = createTrustCheck(policy.trustProxy);
  const headerName = normalizeHeaderName(policy.ipHeader);
  return (source) => resolveIpTrusted(source, headerName, isTrusted);
}

/**
 * The original's IP rules, bugs included (behaviour §4.3): custom header (trimmed, never split), then the
 * first `X-Forwarded-For` element, then `X-Real-IP`, then the socket address. Any client can forge these.
 */
export function resolveIpParity(source: IpSource, ipHeader: string): string {
  const headers = source.headers ?? {};
  const custom = normalizeHeaderName(ipHeader);
  if (custom !== '' && !custom.startsWith('http-')) {
    const value = readHeader(headers, custom);
    if (value !== undefined && value !== '') return value.trim();
  }
  const forwarded = readHeader(headers, 'x-forwarded-for');
  if (forwarded !== undefined && forwarded !== '') return (forwarded.split(',')[0] ?? '').trim();
  const realIp = readHeader(headers, 'x-real-ip');
  if (realIp !== undefined && realIp !== '') return realIp.trim();
  return source.remoteAddress ?? '';
}

function resolveIpTrusted(source: IpSource, headerName: string, isTrusted: TrustCheck): string {
  const socket = canonicalizeIp(source.remoteAddress);
  if (!isTrusted(socket, 0)) return socket;
  const headers = source.headers ?? {};
  const custom = headerName === '' ? undefined : readHeader(headers, headerName);
  const chainHeader =
    custom !== undefined && custom.trim() !== ''
      ? custom
      : (readHeader(headers, 'x-forwarded-for') ?? readHeader(headers, 'x-real-ip'));
  if (chainHeader === undefined || chainHeader.trim() === '') return socket;
  // The right-most hops were added by our own proxies; the first untrusted one from the right is the client.
  const hops = chainHeader
    .split(',')
    .map((hop) => canonicalizeIp(hop))
    .filter((hop) => hop !== '');
  let client = socket;
  for (let index = hops.length - 1, depth = 1; index >= 0; index -= 1, depth += 1) {
    client = hops[index] ?? client;
    if (!isTrusted(client, depth)) break;
  }
  return client;
}

type TrustCheck = (address: string, depth: number) => boolean;

function createTrustCheck(trust: TrustProxy): TrustCheck {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, depth) => depth < trust;
  const list = new BlockList();
  for (const entry of trust) {
    for (const range of expandKeyword(entry)) {
      const [address = '', bits] = range.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    }
  }
  return (address) => {
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

function expandKeyword(entry: string): string[] {
  if (entry === 'loopback') return ['127.0.0.0/8', '::1/128'];
  if (entry === 'linklocal') return ['169.254.0.0/16', 'fe80::/10'];
  if (entry === 'uniquelocal') return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];
  return [entry];
}

/** `X-Real-IP`, `x_real_ip` and ` X-Real-IP ` all name the same header. */
function normalizeHeaderName(name: string): string {
  return name.trim().toLowerCase().replaceAll('_', '-');
}

function readHeader(headers: HeaderBag, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase().replaceAll('_', '-') !== name || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(', ');
  }
  return undefined;
}

/** Reads a header case-insensitively, joining repeated values with `, ` like Node does. */
export function readHeaderValue(headers: HeaderBag | undefined, name: string): string | undefined {
  return headers === undefined ? undefined : readHeader(headers, normalizeHeaderName(name));
}
