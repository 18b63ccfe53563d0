/** Small server-rendered HTML pages (landing, patient picker, consent, errors) and their security headers. */
export interface PatientSummary {
  id: string;
  name: string;
  birthDate?: string;
  gender?: string;
  story?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:15px system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d2733}
table{border-collapse:collapse;width:100%}td,th{padding:.4rem .6rem;border-bottom:1px solid #dde3ea;text-align:left}
a.button,button{background:#0b5cad;color:#fff;padding:.35rem .8rem;border-radius:4px;text-decoration:none;border:0;font:inherit;cursor:pointer}
.muted{color:#5b6b7b}code{background:#f1f4f7;padding:0 .25rem}</style></head><body>${body}</body></html>`;
}

function patientRows(patients: PatientSummary[], link: (p: PatientSummary) => string, label: string, chart?: (p: PatientSummary) => string): string {
  return patients
    .map(
      (p) => `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.birthDate ?? '')}</td><td>${escapeHtml(p.gender ?? '')}</td>` +
        `<td class="muted">${escapeHtml(p.story ?? '')}</td><td><a class="button" href="${escapeHtml(link(p))}">${label}</a>` +
        `${chart ? ` <a href="${escapeHtml(chart(p))}">Open chart</a>` : ''}</td></tr>`,
    )
    .join('\n');
}

/** `chartPages`: the CDS client is on, so each patient's chart page (`/patient/<id>`, with its cards) is linked. */
export function landingPage(patients: PatientSummary[], fhirBase: string, appLaunchUrl: string, chartPages = false): string {
  const chart = chartPages ? (p: PatientSummary) => `/patient/${encodeURIComponent(p.id)}` : undefined;
  const rows = patientRows(patients, (p) => `/ehr-launch?patient=${encodeURIComponent(p.id)}`, 'Launch app', chart);
  return page(
    'Tidemark sandbox EHR',
    `<h1>Tidemark sandbox EHR</h1>
<p>FHIR R4 base <code>${escapeHtml(fhirBase)}</code>. "Launch app" performs a SMART EHR launch of
<code>${escapeHtml(appLaunchUrl)}/launch/</code> for that patient.${chartPages ? ' "Open chart" shows the patient as a small EHR chart with the CDS Hooks cards Tidemark returned and the app embedded.' : ''}</p>
<table><thead><tr><th>Patient</th><th>Born</th><th>Sex</th><th>Story</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<p><a class="button" href="/ehr-launch">Launch without a patient</a> <span class="muted">(provider launch: the app gets no patient context and user/ scopes)</span></p>`,
  );
}

/** Standalone launch: the app asked for launch/patient without an EHR launch token. */
export function pickerPage(patients: PatientSummary[], authorizeQuery: URLSearchParams): string {
  const rows = patientRows(
    patients,
    (p) => {
      const q = new URLSearchParams(authorizeQuery);
      q.set('picked_patient', p.id);
      return `/auth/authorize?${q.toString()}`;
    },
    'Select',
  );
  return page('Select a patient', `<h1>Select a patient</h1><table><tbody>${rows}</tbody></table>`);
}

/**
 * The consent page: Allow and Deny POST the pending request's id with its CSRF token (also set as a
 * SameSite=Strict cookie by the caller), so neither another site nor a plain link can approve.
 */
export function consentPage(clientId: string, scope: string, requestId: string, csrf: string): string {
  const scopes = scope.split(/\s+/).filter(Boolean).map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  const hidden = `<input type="hidden" name="request" value="${escapeHtml(requestId)}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;
  return page(
    'Authorize app',
    `<h1>Authorize ${escapeHtml(clientId)}</h1><p>The app asks for:</p><ul>${scopes}</ul>
<form method="post" action="/auth/authorize/consent">${hidden}<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" style="background:#8a1c1c">Deny</button></form>`,
  );
}

/** Headers of every sandbox page: no framing, no sniffing, no referrer, nothing loaded from elsewhere. */
export function pageSecurityHeaders(formAction: string[] = []): Record<string, string> {
  return {
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self' ${formAction.join(' ')}; frame-ancestors 'none'`.replace(/ ;/g, ';'),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
