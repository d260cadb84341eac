import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

type Instruction = { keyword: string; args: string; line: number };

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = pending + line;
    pending = '';
    const [keyword = '', ...rest] = full.split(/\s+/);
    out.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: start });
  });
  return out;
}

/** Stages: each FROM and the instructions up to the next one. */
function stages(all: Instruction[]): { from: string; name: string | undefined; body: Instruction[] }[] {
  const out: { from: string; name: string | undefined; body: Instruction[] }[] = [];
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      out.push({ from: image, name: as?.toUpperCase() === 'AS' ? name : undefined, body: [] });
    } else out.at(-1)?.body.push(instruction);
  }
  return out;
}

const dockerfile = instructions(read('Dockerfile'));
const all = stages(dockerfile);
const runtime = all.at(-1);

test('multi-stage build from a pinned Node 20 base', () => {
  assert.ok(all.length >= 2, 'at least a dependency stage and a runtime stage');
  for (const stage of all) {
    assert.match(stage.from, /^node:20(\.\d+)*-[a-z-]+$/, `pinned Node 20 image, got ${stage.from}`);
  }
  const deps = all[0];
  assert.ok(
    deps?.body.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args)),
    'production dependencies from the lock file',
  );
  assert.ok(
    runtime?.body.some((i) => i.keyword === 'COPY' && i.args.includes(`--from=${deps?.name}`)),
    'the runtime stage copies node_modules from the dependency stage',
  );
  assert.ok(!runtime?.body.some((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args)));
});

test('the image runs as an unprivileged user', () => {
  const users = runtime?.body.filter((i) => i.keyword === 'USER') ?? [];
  const last = users.at(-1)?.args.trim();
  assert.ok(last, 'USER in the runtime stage');
  assert.notEqual(last, 'root');
  assert.notEqual(last, '0');
  const userLine = users.at(-1)?.line ?? 0;
  const after = runtime?.body.filter((i) => i.line > userLine && i.keyword === 'RUN') ?? [];
  assert.deepEqual(after, [], 'nothing runs as root after USER');
  for (const copy of runtime?.body.filter((i) => i.keyword === 'COPY') ?? [])
    assert.match(copy.args, /--chown=/, `COPY owned by the app user: ${copy.args}`);
});

test('exec-form CMD, a health check, production mode, no secrets baked in', () => {
  const cmd = runtime?.body.find((i) => i.keyword === 'CMD');
  assert.ok(cmd);
  assert.doesNotThrow(() => JSON.parse(cmd.args), 'CMD in exec form (signals reach node)');
  assert.ok(runtime?.body.some((i) => i.keyword === 'HEALTHCHECK'));
  assert.ok(runtime?.body.some((i) => i.keyword === 'EXPOSE' && i.args.includes('8080')));
  assert.ok(runtime?.body.some((i) => i.keyword === 'ENV' && /NODE_ENV=production/.test(i.args)));
  for (const i of dockerfile) {
    if (i.keyword === 'ENV' || i.keyword === 'ARG')
      assert.doesNotMatch(
        i.args,
        /(PASSWORD|SECRET|TOKEN|API_KEY)\s*=/i,
        `no secret in ${i.keyword} ${i.args}`,
      );
    assert.notEqual(i.keyword, 'ADD', 'COPY, not ADD (no remote URLs or archives)');
  }
});

test('.dockerignore keeps the build context small and free of local state', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim());
  for (const entry of ['.git', '**/node_modules', 'data', 'deploy/env/*.env'])
    assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
});
