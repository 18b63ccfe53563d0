/** Options of `startSandbox`, with the defaults the fixed interfaces in DESIGN.md require. */
export interface SandboxOptions {
  /** TCP port; 0 picks a free one (tests). Default 8081. */
  port?: number;
  host?: string;
  /** Folder holding the persisted writes (`store.json`). Default `./.data/sandbox`. */
  dataDir?: string;
  /** Drop persisted writes at start. */
  reset?: boolean;
  tokenLifetimeSeconds?: number;
  /** Where `/ehr-launch` sends the browser: `${appLaunchUrl}/launch/`. */
  appLaunchUrl?: string;
  /** Folder of extra FHIR Bundles (`*.json`) to load, e.g. Synthea output. */
  sandboxDataDir?: string;
  /** Show a consent page instead of auto-approving. */
  consent?: boolean;
  /** Simulated error for every authorization: invalid_client | access_denied | expired_token. */
  simulate?: string;
  quiet?: boolean;
  /** Fixed clock for the synthetic patients' dates; default: now. */
  anchor?: Date;
  /** PRNG seed of the synthetic patients. */
  seed?: number;
  /** Discovery URLs of the CDS services the patient page calls; default `${appLaunchUrl}/cds-services`. */
  cdsServices?: string[];
}

export interface ResolvedOptions extends Required<Omit<SandboxOptions, 'sandboxDataDir' | 'simulate'>> {
  sandboxDataDir: string | undefined;
  simulate: string | undefined;
}

export function resolveOptions(o: SandboxOptions): ResolvedOptions {
  return {
    port: o.port ?? 8081,
    host: o.host ?? '127.0.0.1',
    dataDir: o.dataDir ?? './.data/sandbox',
    reset: o.reset ?? false,
    tokenLifetimeSeconds: o.tokenLifetimeSeconds ?? 3600,
    appLaunchUrl: (o.appLaunchUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    sandboxDataDir: o.sandboxDataDir,
    consent: o.consent ?? false,
    simulate: o.simulate,
    quiet: o.quiet ?? false,
    anchor: o.anchor ?? new Date(),
    seed: o.seed ?? 20240917,
    cdsServices: (o.cdsServices ?? [`${(o.appLaunchUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')}/cds-services`]).map((u) => u.replace(/\/+$/, '')),
  };
}
