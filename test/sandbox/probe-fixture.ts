/**
 * Two patients loaded through SANDBOX_DATA for the compartment probes: `probe-a` (the attacker's
 * token is held to A) and `probe-b`, whose every resource carries the marker SECRET-B so a test can
 * tell from any response text that something of B's leaked. A's resources point at B's the ways the
 * FHIR patient compartment allows (hasMember, derivedFrom, a RelatedPerson performer), and B's data
 * uses compartment links other than subject/patient (Communication.recipient, Group.member,
 * Appointment.participant.actor, an absolute-URL subject).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDataDir } from './helpers.ts';

export const SECRET = 'SECRET-B';
export const B_IDENTIFIER = { system: 'urn:probe:mrn', value: 'B-0001' };

const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });

export function probeResources(fhirBaseGuess = 'http://127.0.0.1:9/fhir'): Record<string, unknown>[] {
  return [
    { resourceType: 'Patient', id: 'probe-a', name: [{ family: 'Alpha', given: ['Ann'] }], identifier: [{ system: 'urn:probe:mrn', value: 'A-0001' }] },
    { resourceType: 'Patient', id: 'probe-b', name: [{ family: SECRET, given: ['Bob'] }], identifier: [B_IDENTIFIER] },
    { resourceType: 'RelatedPerson', id: 'rp-b', patient: { reference: 'Patient/probe-b' }, name: [{ family: SECRET }] },
    obs('obs-b1', 'Patient/probe-b', { note: [{ text: SECRET }], identifier: [{ system: 'urn:probe:obs', value: 'b1' }] }),
    obs('obs-b2', 'Patient/probe-b', { note: [{ text: SECRET }] }),
    obs('obs-b3', `${fhirBaseGuess}/Patient/probe-b`, { note: [{ text: `${SECRET} absolute subject` }] }),
    obs('obs-a1', 'Patient/probe-a', {
      hasMember: [{ reference: 'Observation/obs-b1' }],
      derivedFrom: [{ reference: 'Observation/obs-b2' }],
      performer: [{ reference: 'RelatedPerson/rp-b' }],
    }),
    obs('obs-a2', 'Patient/probe-a', {}),
    {
      resourceType: 'Communication',
      id: 'comm-b',
      status: 'completed',
      recipient: [{ reference: 'Patient/probe-b' }],
      payload: [{ contentString: SECRET }],
    },
    { resourceType: 'Group', id: 'group-b', type: 'person', actual: true, name: SECRET, member: [{ entity: { reference: 'Patient/probe-b' } }] },
    {
      resourceType: 'Appointment',
      id: 'appt-b',
      status: 'booked',
      start: '2025-01-01T10:00:00Z',
      end: '2025-01-01T10:30:00Z',
      description: SECRET,
      participant: [{ actor: { reference: 'Patient/probe-b' }, status: 'accepted' }],
    },
  ];
}

function obs(id: string, subject: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: loinc('44261-6'),
    subject: { reference: subject },
    effectiveDateTime: '2024-05-01T10:00:00Z',
    valueInteger: 7,
    ...extra,
  };
}

/** A SANDBOX_DATA folder holding the probe resources as one collection Bundle. */
export function probeDataDir(): string {
  const dir = tmpDataDir();
  const entry = probeResources().map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource }));
  writeFileSync(join(dir, 'probe.json'), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }));
  return dir;
}
