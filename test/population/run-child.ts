// A population run in its own process (the crash test kills it with SIGKILL): its config from env.
import { populationConfigSchema } from '../../src/population/config.ts';
import { runWith } from './helpers.ts';

await runWith(Object.freeze(populationConfigSchema.parse(JSON.parse(process.env.RUN_CONFIG ?? '{}'))));
