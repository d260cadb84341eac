import { PGlite } from '@electric-sql/pglite';

let t = performance.now();
const pg = new PGlite();
await pg.query('select 1');
console.log('start', performance.now() - t);
t = performance.now();
await pg.exec(
  `create table a(id int primary key); CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;`,
);
console.log((await pg.query('select f(), gen_random_uuid()')).rows);
t = performance.now();
const c = await pg.clone();
await c.query('select 1');
console.log('clone', performance.now() - t);
t = performance.now();
for (let i = 0; i < 1000; i++) await pg.query('select $1::int', [i]);
console.log('1000 q', performance.now() - t);
