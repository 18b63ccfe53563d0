// Security headers for every response, CSP built once from the configuration.
import type { ServerConfig } from './config.ts';

function origins(urls: string[]): string[] {
  const out = new Set<string>();
  for (const u of urls) {
    try {
      const p = new URL(u);
      if (p.protocol === 'http:' || p.protocol === 'https:') out.add(p.origin);
    } catch {
      /* validated by the config loader */
    }
  }
  return [...out];
}

export function buildCsp(config: Pick<ServerConfig, 'fhirServers' | 'cspConnectSrc' | 'frameAncestors'>): string {
  const connect = ["'self'", ...origins(config.fhirServers), ...config.cspConnectSrc];
  return [
    "default-src 'self'",
    "script-src 'self'",
    // recharts renders inline style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    `frame-ancestors ${config.frameAncestors.length ? config.frameAncestors.join(' ') : "'none'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

export const HSTS = 'max-age=31536000; includeSubDomains';

/** Headers on every response. No X-Frame-Options: EHRs embed the app; CSP frame-ancestors governs. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin-allow-popups',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
