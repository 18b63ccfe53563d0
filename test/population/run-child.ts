// A population run in its own process (the crash test kills it with SIGKILL): config and token from env.
import { populationConfigSchema } from '../../src/population/config.ts';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { runWith, searchExport } from './helpers.ts';

const config = Object.freeze(populationConfigSchema.parse(JSON.parse(process.env.RUN_CONFIG ?? '{}')));
const token = process.env.RUN_TOKEN ?? '';
const sandbox = { fhirBase: process.env.RUN_SANDBOX ?? '' } as SandboxHandle;
await runWith({ config, token, startExport: searchExport(sandbox, token) });
