import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, joinHtml, trustedHtml } from './html.ts';

test('every interpolation is escaped unless it is already safe', () => {
  const evil = `<script>alert("x")</script>' onmouseover='y' \`z\` &amp;`;
  const out = html`<p title="${evil}">${evil}</p>`.value;
  assert.equal(out.includes('<script>'), false);
  assert.equal(out.includes(`"x"`), false);
  assert.equal(
    out,
    `<p title="${escapeHtml(evil)}">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#39; &#96;z&#96; &amp;amp;</p>`,
  );
});

test('nested templates, arrays and conditionals compose without double escaping', () => {
  const items = ['a<b', 'c&d'];
  const out = html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>${false}${null}${undefined}${0}`;
  assert.equal(out.value, '<ul><li>a&lt;b</li><li>c&amp;d</li></ul>0');
  assert.equal(html`${['<i>', trustedHtml('<b>ok</b>')]}`.value, '&lt;i&gt;<b>ok</b>');
  assert.equal(joinHtml(['x<', html`<br>`], ', ').value, 'x&lt;, <br>');
});
