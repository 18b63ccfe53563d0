// SMART launch page: works out EHR vs standalone launch, discovers what the server can do (SMART
// configuration, CapabilityStatement, the site's write-back settings — in parallel), asks for the
// scopes that follow (v2 only where permission-v2 is advertised; per resource; what the write
// strategy creates), then hands over to fhirclient, which redirects to the authorization page.
// Each launch keeps its own state (its key stays in the app's URL): two launches in one browser
// session, e.g. two EHR iframes sharing sessionStorage, never read each other's.
import FHIR from 'fhirclient';
import { fetchWellKnownJson } from 'fhirclient/lib/smart.js';
import { parseCapabilities, servesType, smartScopeVersion } from '../fhir/ehr/capabilities.ts';
import { readSiteConfig, siteEntryFor } from '../fhir/write/site-config.ts';
import { chooseWriteStrategy } from '../fhir/write/strategy.ts';
import { discover } from './discovery.ts';
import './launch.css';
import { authorizeOptions, buildScope, planLaunch, readPageConfig } from './launch-config.ts';
import { saveDigest, trimSmart, trimStatement } from './launch-digest.ts';

// State keyed by the `state` parameter, which stays in the app's URL (see above).
FHIR.oauth2.settings.fullSessionStorageSupport = false;

const statusEl = document.getElementById('launch-status');

function show(title: string, message: string, isError: boolean): void {
  if (!statusEl) return;
  statusEl.replaceChildren();
  statusEl.className = isError ? 'launch launch--error' : 'launch';
  statusEl.setAttribute('role', isError ? 'alert' : 'status');
  const h = document.createElement('h1');
  h.textContent = title;
  const p = document.createElement('p');
  p.textContent = message;
  statusEl.append(h, p);
}

function inFrame(): boolean {
  try {
    return window.self !== window.top;
  } catch {
    return true;
  }
}

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function main(): Promise<void> {
  const plan = planLaunch(window.location.href, readPageConfig(document));
  if (plan.kind === 'error') {
    show(plan.title, plan.message, true);
    return;
  }
  const { iss } = plan.options;
  show('Connecting to the EHR…', plan.kind === 'ehr' ? `Authorizing with ${iss}` : `Standalone launch against ${iss}`, false);
  try {
    const found = await discover(iss, { wellKnown: (u) => fetchWellKnownJson(u), fetch: window.fetch.bind(window), siteConfigUrl: '/site-config.json' });
    const caps = parseCapabilities(found.statement, found.smart ?? undefined);
    const site = readSiteConfig(found.site ?? {});
    const entry = siteEntryFor(site.config, iss);
    const strategy = chooseWriteStrategy(caps, entry);
    const scope =
      plan.scopeOverride ??
      buildScope({
        version: smartScopeVersion(caps.smart),
        serves: (t) => servesType(caps, t),
        creates: strategy.creates,
        reads: strategy.reads,
        online: !caps.smart.known || caps.smart.capabilities.has('permission-online') || (caps.smart.scopesSupported ?? []).includes('online_access'),
        standalone: plan.kind === 'standalone',
        careTeam: plan.careTeam,
      });
    const stateKey = randomKey();
    saveDigest(sessionStorage, stateKey, {
      v: 1,
      iss,
      statement: trimStatement(found.statement),
      smart: trimSmart(found.smart),
      site: site.config.servers.length > 0 ? entry : null,
      siteProblem: site.problem,
      requestedScope: scope,
    });
    await FHIR.oauth2.authorize(authorizeOptions(plan.options, scope, stateKey, inFrame()));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    show(
      'Could not start the authorization',
      `Tidemark could not reach the authorization server for ${iss}: ${detail}. Check that the EHR is available and relaunch.`,
      true,
    );
  }
}

void main();
