/**
 * The development Backend Services client: `tidemark-population`, trusted with the public JWKS the
 * population run writes on first use (src/population/dev-key.ts). Registered only in the default
 * development setup: the `open` profile, a sandbox listening on a loopback address, the dev key
 * folder not switched off (`SANDBOX_DEV_CLIENT=0`); its token requests must come from loopback too.
 */
import { join } from 'node:path';
import { DEV_CLIENT_ID, DEV_CLIENT_SCOPE, PUBLIC_JWKS_FILE } from '../../population/dev-key.ts';
import type { DevClient } from '../backend-services/clients.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function devClientFor(keyDir: string | false, host: string, profile: string): DevClient | undefined {
  if (keyDir === false || !LOOPBACK_HOSTS.has(host) || profile !== 'open') return undefined;
  return { clientId: DEV_CLIENT_ID, scope: DEV_CLIENT_SCOPE, publicJwksFile: join(keyDir, PUBLIC_JWKS_FILE) };
}
