// The sandbox's patient chart page, server-rendered (no script): patient banner, the CDS cards the
// services returned (indicator colour, summary, detail, source, links, suggestions, dismiss with a
// reason), an order-entry box that fires order-select, and a launch area that embeds Tidemark in an
// iframe the way Epic and Oracle Health embed SMART apps (or opens it in a new tab).
import { createHash } from 'node:crypto';
import type { Card } from '../../cds/schemas.ts';
import { escapeHtml, type PatientSummary } from '../pages.ts';
import type { ServiceCall } from './client.ts';

export interface OrderChoice {
  rxnorm: string;
  name: string;
}

export interface PageInput {
  patient: PatientSummary;
  /** patient-view calls, and order-select calls when an order was drafted. */
  patientView: ServiceCall[];
  orderSelect?: { order: OrderChoice; calls: ServiceCall[] };
  orderChoices: readonly OrderChoice[];
  /** Launch URL the sandbox has registered for Tidemark (`${appLaunchUrl}/launch/`). */
  registeredLaunchUrl: string;
  notice?: string;
  now: Date;
}

export const APP_FRAME = 'tidemark-app';

const STYLE = `
body{font:14px system-ui,sans-serif;margin:0;color:#1d2733;background:#eef1f4}
header.banner{background:#21344a;color:#fff;padding:.6rem 1rem;display:flex;gap:1.5rem;align-items:baseline;flex-wrap:wrap}
header.banner h1{font-size:1.15rem;margin:0}header.banner span{color:#c9d6e3}header.banner a{color:#c9d6e3}
main{display:grid;grid-template-columns:minmax(22rem,30rem) 1fr;gap:1rem;padding:1rem}
section{background:#fff;border:1px solid #d5dbe1;border-radius:6px;padding:.8rem 1rem}
h2{font-size:1rem;margin:.1rem 0 .6rem}
.card{border:1px solid #d5dbe1;border-left:6px solid #5b6b7b;border-radius:4px;padding:.6rem .8rem;margin:.6rem 0;background:#fbfcfd}
.card.critical{border-left-color:#b3261e;background:#fdf3f2}.card.warning{border-left-color:#c77700;background:#fff8ec}.card.info{border-left-color:#0b5cad}
.indicator{font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em}
.critical .indicator{color:#b3261e}.warning .indicator{color:#8a5300}.info .indicator{color:#0b5cad}
.summary{font-size:1rem;font-weight:600;margin:.2rem 0 .4rem}
.detail p{margin:.35rem 0}.detail ul{margin:.3rem 0;padding-left:1.2rem}
.source,.muted{color:#5b6b7b;font-size:.85rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin-top:.5rem}
a.button,button{background:#0b5cad;color:#fff;padding:.3rem .7rem;border-radius:4px;text-decoration:none;border:0;font:inherit;cursor:pointer}
button.secondary{background:#e4e9ee;color:#1d2733}select{font:inherit}
iframe{width:100%;height:78vh;border:1px solid #d5dbe1;border-radius:4px;background:#fff}
.order{margin-top:1rem}.error{color:#b3261e}.notice{background:#e8f3ea;border:1px solid #9cc5a4;padding:.4rem .6rem;border-radius:4px}
`;

/** CSP for the page: no script at all; the inline style by hash; frames only the sandbox and the app. */
export function chartCsp(appOrigin: string): string {
  const styleHash = createHash('sha256').update(STYLE).digest('base64');
  return [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    "img-src 'self' data:",
    `frame-src 'self' ${appOrigin}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

export function chartPage(input: PageInput): string {
  const p = input.patient;
  const age = p.birthDate ? ageYears(p.birthDate, input.now) : null;
  const launch = `/ehr-launch?patient=${encodeURIComponent(p.id)}`;
  const cardsHtml = renderCalls(input.patientView, input, 'patient-view');
  const order = input.orderSelect
    ? `<h3>Decision support for ${escapeHtml(input.orderSelect.order.name)}</h3>${renderCalls(input.orderSelect.calls, input, 'order-select')}`
    : '';
  const drafted = input.orderSelect?.order.rxnorm;
  const choices = input.orderChoices
    .map((o) => `<option value="${escapeHtml(o.rxnorm)}"${o.rxnorm === drafted ? ' selected' : ''}>${escapeHtml(o.name)}</option>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(p.name)} — sandbox EHR</title>
<style>${STYLE}</style></head><body>
<header class="banner" aria-label="Patient banner"><h1>${escapeHtml(p.name)}</h1>
<span>DOB ${escapeHtml(p.birthDate ?? 'unknown')}${age !== null ? ` (${age} y)` : ''}</span><span>${escapeHtml(p.gender ?? '')}</span>
<span>MRN ${escapeHtml(p.id)}</span><span>${escapeHtml(p.story ?? '')}</span><a href="/">All patients</a></header>
<main>
<div>
<section aria-labelledby="cds-h"><h2 id="cds-h">Decision support</h2>
${input.notice ? `<p class="notice" role="status">${escapeHtml(input.notice)}</p>` : ''}${cardsHtml}</section>
<section class="order" aria-labelledby="order-h"><h2 id="order-h">Order entry</h2>
<form method="get" action="/patient/${encodeURIComponent(p.id)}"><label>Draft a medication order <select name="order">${choices}</select></label>
<button type="submit">Select order</button></form>${order}</section>
</div>
<section aria-labelledby="app-h"><h2 id="app-h">Tidemark</h2>
<p class="actions"><a class="button" href="${launch}" target="${APP_FRAME}">Launch Tidemark here</a>
<a href="${launch}" target="_blank" rel="noopener">Open in a new tab</a></p>
<iframe name="${APP_FRAME}" title="Tidemark (SMART app)" src="about:blank"></iframe></section>
</main></body></html>`;
}

function renderCalls(calls: readonly ServiceCall[], input: PageInput, hook: string): string {
  const cards = calls.flatMap((c) => c.cards.map((card) => ({ call: c, card })));
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  cards.sort((a, b) => rank[a.card.indicator] - rank[b.card.indicator]);
  const errors = calls
    .filter((c) => c.error)
    .map((c) => `<p class="error" role="alert">${escapeHtml(c.service)} (${hook}) did not answer: ${escapeHtml(c.error ?? '')}</p>`)
    .join('');
  if (calls.length === 0) return '<p class="muted">No CDS service is registered for this hook.</p>';
  const body = cards.length ? cards.map(({ call, card }) => renderCard(card, call, input)).join('') : '<p class="muted">No decision support cards for this patient.</p>';
  const timing = calls.map((c) => `${escapeHtml(c.service)} ${Math.round(c.ms)} ms`).join(' · ');
  return `${errors}${body}<p class="muted">${timing}</p>`;
}

function renderCard(card: Card, call: ServiceCall, input: PageInput): string {
  const patient = encodeURIComponent(input.patient.id);
  const links = (card.links ?? []).map((l) => {
    if (l.type === 'smart') {
      // The EHR launches only the SMART apps it has registered (spec: "Trusting CDS Services").
      if (sameUrl(l.url, input.registeredLaunchUrl)) {
        return `<a class="button smart-link" href="/ehr-launch?patient=${patient}" target="${APP_FRAME}">${escapeHtml(l.label)}</a>`;
      }
      return `<span class="muted">${escapeHtml(l.label)} (not a registered SMART app)</span>`;
    }
    return safeHttp(l.url) ? `<a href="${escapeHtml(l.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(l.label)}</a>` : '';
  });
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const common = hidden('service', call.service) + hidden('servicesUrl', call.servicesUrl) + hidden('card', card.uuid ?? '');
  const suggestions = (card.suggestions ?? []).map(
    (s) => `<form method="post" action="/patient/${patient}/feedback">${common}${hidden('outcome', 'accepted')}${hidden('suggestion', s.uuid ?? '')}<button type="submit">${escapeHtml(s.label)}</button></form>`,
  );
  const reasons = (card.overrideReasons ?? []).map((r) => `<option value="${escapeHtml(`${r.system ?? ''}|${r.code}`)}">${escapeHtml(r.display)}</option>`).join('');
  const dismiss = card.uuid
    ? `<form method="post" action="/patient/${patient}/feedback">${common}${hidden('outcome', 'overridden')}<select name="reason" aria-label="Reason"><option value="">No reason</option>${reasons}</select> <button class="secondary" type="submit">Dismiss</button></form>`
    : '';
  const source = card.source.url && safeHttp(card.source.url) ? `<a href="${escapeHtml(card.source.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(card.source.label)}</a>` : escapeHtml(card.source.label);
  const topic = card.source.topic?.display ? ` · ${escapeHtml(card.source.topic.display)}` : '';
  return `<article class="card ${card.indicator}" data-indicator="${card.indicator}" ${card.indicator === 'critical' ? 'role="alert"' : ''}>
<div class="indicator">${card.indicator}</div><p class="summary">${escapeHtml(card.summary)}</p>
${card.detail ? `<div class="detail">${markdown(card.detail)}</div>` : ''}<p class="source">Source: ${source}${topic}</p>
<div class="actions">${links.join('')}${suggestions.join('')}${dismiss}</div></article>`;
}

/** The GitHub-flavoured Markdown subset our cards use (paragraphs, "- " lists, **bold**), escaped first. */
export function markdown(md: string): string {
  return md
    .split(/\n{2,}/)
    .map((block) => {
      const lines = block.split('\n');
      const inline = (s: string) => escapeHtml(s).replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
      if (lines.every((l) => l.startsWith('- '))) return `<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join('')}</ul>`;
      return `<p>${lines.map(inline).join('<br>')}</p>`;
    })
    .join('');
}

function safeHttp(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => u.trim().replace(/\/+$/, '');
  return norm(a) === norm(b);
}

function ageYears(birthDate: string, now: Date): number | null {
  const b = new Date(birthDate);
  if (Number.isNaN(b.getTime())) return null;
  let age = now.getUTCFullYear() - b.getUTCFullYear();
  if (now.getUTCMonth() < b.getUTCMonth() || (now.getUTCMonth() === b.getUTCMonth() && now.getUTCDate() < b.getUTCDate())) age--;
  return age;
}
