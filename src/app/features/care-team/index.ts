// The care-team feature's front door.
export { CareTeamApp, patientFromUrl } from './care-team-app.tsx';
export type { CareTeamAppProps } from './care-team-app.tsx';
import { PANEL_PARAMS } from './panel-params.ts';

export { PANEL_PARAMS };

/** `<meta name="tidemark:care-team-group" content="…">` on the app page, else the sandbox's Group. */
export function careTeamGroupOf(doc: Document): string {
  const id = doc.querySelector<HTMLMetaElement>('meta[name="tidemark:care-team-group"]')?.content?.trim();
  return id && /^[A-Za-z0-9\-.]{1,64}$/.test(id) ? id : PANEL_PARAMS.defaultGroup;
}
