// The population run's config: the sandbox and Group care-team with no arguments; flags over env;
// every bad value refused with its name.
import { describe, expect, it } from 'vitest';
import { loadPopulationConfig, PopulationConfigError } from '../../src/population/config.ts';

describe('population run config', () => {
  it('with nothing set, it runs against the sandbox `npm start` runs, Group care-team, on every core', () => {
    const c = loadPopulationConfig([], {}, 4);
    expect(c).toMatchObject({ fhirBase: 'http://127.0.0.1:8081/fhir', groupId: 'care-team', clientId: 'tidemark-population', since: 'auto', concurrency: 4, write: true });
    expect(c.redisUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('flags win over the environment; --full and --no-write', () => {
    const env = { POPULATION_FHIR_BASE: 'https://ehr.example/fhir/', POPULATION_GROUP: 'env-group', REDIS_URL: 'redis://127.0.0.1:6379', SANDBOX_PORT: '9000' };
    const c = loadPopulationConfig(['--group', 'flag-group', '--full', '--no-write'], env, 2);
    expect(c).toMatchObject({ fhirBase: 'https://ehr.example/fhir', groupId: 'flag-group', since: 'full', write: false, redisUrl: 'redis://127.0.0.1:6379' });
    expect(loadPopulationConfig([], { SANDBOX_PORT: '9000' }, 1).fhirBase).toBe('http://127.0.0.1:9000/fhir');
  });

  it('reads the app\'s SITE_CONFIG for the write strategy, and --site-config wins over it', () => {
    expect(loadPopulationConfig([], {}, 1).siteConfig).toBeUndefined();
    expect(loadPopulationConfig([], { SITE_CONFIG: 'site.json' }, 1).siteConfig).toBe('site.json');
    expect(loadPopulationConfig(['--site-config', 'other.json'], { SITE_CONFIG: 'site.json' }, 1).siteConfig).toBe('other.json');
  });

  it.each([
    [['--fhir-base', 'ftp://x/fhir'], 'fhirBase'],
    [['--group', 'a/b'], 'groupId'],
    [['--since', 'yesterday'], 'since'],
    [['--since', '2026-06-01T00:00:00'], 'since'],
    [['--concurrency', '0'], 'concurrency'],
    [['--redis-url', 'http://x'], 'redisUrl'],
    [['--as-of', 'now'], 'asOf'],
    [['--unknown'], 'Unknown option'],
  ])('refuses %j, naming %s', (argv, name) => {
    expect(() => loadPopulationConfig(argv, {}, 2)).toThrow(PopulationConfigError);
    expect(() => loadPopulationConfig(argv, {}, 2)).toThrow(name);
  });
});
