/** Picks the vendor profile named by SANDBOX_PROFILE (see profile.ts for what a profile decides). */
import { cernerProfile } from './cerner.ts';
import { epicProfile } from './epic.ts';
import { loadFlowsheets } from './flowsheets.ts';
import { openProfile } from './open.ts';
import type { ProfileName, VendorProfile } from './profile.ts';

export type { Interaction, ProfileName, Refusal, ResourceRules, VendorProfile } from './profile.ts';
export { SERVED_TYPES } from './open.ts';

export const PROFILE_NAMES: readonly ProfileName[] = ['open', 'epic', 'cerner'];

export function selectProfile(name: ProfileName, opts: { epicFlowsheets?: string } = {}): VendorProfile {
  if (name === 'epic') return epicProfile(loadFlowsheets(opts.epicFlowsheets));
  if (name === 'cerner') return cernerProfile();
  return openProfile;
}
