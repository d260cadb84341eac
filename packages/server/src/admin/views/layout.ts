import { ADMIN, type Flash } from '../context.ts';
import { type HtmlValue, html, type SafeHtml } from '../html.ts';
import { LOCALES, type Translator } from '../i18n/i18n.ts';
import { ASSETS } from '../static.ts';
import type { NavGroup } from './nav.ts';

export type Crumb = { label: string; href?: string };

export type LayoutOptions = {
  tr: Translator;
  title: string;
  /** Shown as the page heading; defaults to `title`. Empty hides it. */
  heading?: string;
  breadcrumbs: Crumb[];
  content: HtmlValue;
  csrfToken: string;
  flashes: Flash[];
  /** The logged-in user's name; absent on the login and error pages of anonymous visitors. */
  username: string | undefined;
  nav: NavGroup[];
  /** The path of this page, where the language switch returns to. */
  path: string;
  /** Extra class on <body>, e.g. `login`. */
  bodyClass?: string;
};

const LANGUAGE_NAMES = { en: 'English', ru: 'Русский' } as const;

function languageSwitch(tr: Translator, csrfToken: string, path: string): SafeHtml {
  return html`<form class="language-switch" method="post" action="${ADMIN}/language/">
    <input type="hidden" name="_csrf" value="${csrfToken}">
    <input type="hidden" name="next" value="${path}">
    <span class="visually-hidden">${tr.t('nav.language')}</span>
    ${LOCALES.map(
      (locale) =>
        html`<button type="submit" name="language" value="${locale}" lang="${locale}" class="${locale === tr.locale ? 'current' : ''}" ${locale === tr.locale ? html`aria-current="true"` : ''}>${LANGUAGE_NAMES[locale]}</button>`,
    )}
  </form>`;
}

function sidebar(tr: Translator, nav: NavGroup[], path: string): SafeHtml {
  return html`<nav id="nav-sidebar" aria-label="Models">
    ${nav.map(
      (group) => html`<div class="module">
        <table><caption>${group.label}</caption>
        ${group.entries.map(
          (entry) => html`<tr class="${path.startsWith(entry.href) ? 'current-model' : ''}">
            <th scope="row"><a href="${entry.href}">${entry.label}</a></th>
            <td>${entry.addHref ? html`<a href="${entry.addHref}" class="addlink" title="${tr.t('action.add')}"><span class="visually-hidden">${tr.t('action.add')}</span></a>` : ''}</td>
          </tr>`,
        )}
        </table>
      </div>`,
    )}
  </nav>`;
}

/** The admin's one page frame: header, breadcrumbs, model sidebar, messages and content. */
export function layout(options: LayoutOptions): SafeHtml {
  const { tr } = options;
  const heading = options.heading ?? options.title;
  // htmx sends the CSRF token as a header on every request it makes; its injected indicator
  // styles would break the Content-Security-Policy (no inline styles), so they are off.
  const hxHeaders = JSON.stringify({ 'X-CSRF-Token': options.csrfToken });
  return html`<!doctype html>
<html lang="${tr.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
<title>${options.title} | ${tr.t('site.title')}</title>
<link rel="stylesheet" href="${ASSETS.css}">
<script src="${ASSETS.htmx}" defer></script>
<script src="${ASSETS.js}" defer></script>
</head>
<body class="${options.bodyClass ?? ''}" hx-headers="${hxHeaders}">
<a class="skip-to-content" href="#content">${tr.t('nav.skip')}</a>
<header id="header">
  <div id="branding"><a href="${ADMIN}/">${tr.t('site.header')}</a></div>
  <div id="user-tools">
    ${
      options.username === undefined
        ? ''
        : html`${tr.t('nav.welcome')} <strong>${options.username}</strong>.
          <a href="/docs">${tr.t('nav.viewApi')}</a> /
          <a href="${ADMIN}/password_change/">${tr.t('nav.changePassword')}</a> /
          <form class="inline" method="post" action="${ADMIN}/logout/">
            <input type="hidden" name="_csrf" value="${options.csrfToken}">
            <button type="submit" class="link-button">${tr.t('nav.logout')}</button>
          </form>`
    }
    ${languageSwitch(tr, options.csrfToken, options.path)}
  </div>
</header>
${
  options.breadcrumbs.length > 0
    ? html`<nav class="breadcrumbs" aria-label="Breadcrumbs">${options.breadcrumbs.map(
        (crumb, i) =>
          html`${i > 0 ? ' › ' : ''}${crumb.href ? html`<a href="${crumb.href}">${crumb.label}</a>` : crumb.label}`,
      )}</nav>`
    : ''
}
<div class="main${options.nav.length > 0 ? ' shifted' : ''}">
  ${options.nav.length > 0 ? sidebar(tr, options.nav, options.path) : ''}
  <main id="content">
    ${
      options.flashes.length > 0
        ? html`<ul class="messagelist">${options.flashes.map((m) => html`<li class="${m.level}">${m.text}</li>`)}</ul>`
        : ''
    }
    ${heading === '' ? '' : html`<h1>${heading}</h1>`}
    ${options.content}
  </main>
</div>
</body>
</html>`;
}
