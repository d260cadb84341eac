import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ADMIN } from './context.ts';

const require = createRequire(import.meta.url);

type Asset = { body: Buffer; contentType: string };

function ownFile(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`./static/${name}`, import.meta.url)));
}

const version = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 12);

const htmxVersion = (require('htmx.org/package.json') as { version: string }).version;
const htmxName = `htmx-${htmxVersion}.min.js`;

/**
 * The admin's static files, read once at start: its stylesheet and script, and htmx from
 * node_modules (never a CDN) under a versioned name. Own files are linked with a content hash, so
 * every URL may be cached for a long time.
 */
export const STATIC_FILES: ReadonlyMap<string, Asset> = new Map([
  ['admin.css', { body: ownFile('admin.css'), contentType: 'text/css; charset=utf-8' }],
  ['admin.js', { body: ownFile('admin.js'), contentType: 'text/javascript; charset=utf-8' }],
  [
    htmxName,
    {
      body: readFileSync(require.resolve('htmx.org/dist/htmx.min.js')),
      contentType: 'text/javascript; charset=utf-8',
    },
  ],
]);

function url(name: string): string {
  const asset = STATIC_FILES.get(name);
  return `${ADMIN}/static/${name}${asset && name !== htmxName ? `?v=${version(asset.body)}` : ''}`;
}

export const ASSETS = { css: url('admin.css'), js: url('admin.js'), htmx: url(htmxName) } as const;
