/**
 * The sandbox as a CDS Hooks client, loaded on every start: its JWK Set, the patient chart page that
 * calls the configured CDS services (SANDBOX_CDS_SERVICES) and card feedback. Off when no service is set.
 */
import type { ExtensionFactory } from '../extensions.ts';
import { patientSummaries } from '../http.ts';
import { PRACTITIONER_ID } from '../patients/index.ts';
import { registerCdsClientRoutes } from './routes.ts';

export const cdsClientExtension: ExtensionFactory = (opts) =>
  opts.cdsServices.length === 0
    ? undefined
    : {
        name: 'cds-client',
        routes: (app, api) =>
          registerCdsClientRoutes(app, {
            patients: () => patientSummaries(api.repo),
            tokens: api.tokens,
            origin: api.origin,
            fhirBase: api.fhirBase,
            appLaunchUrl: opts.appLaunchUrl,
            cdsServices: opts.cdsServices,
            practitionerId: PRACTITIONER_ID,
          }),
      };
