import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// findBy*/waitFor wait up to 15 s (default 1 s): the CI machine is shared (2 cores), and a loaded machine
// must not turn a slow render into a failure. A missing element still fails, only later.
configure({ asyncUtilTimeout: 15_000 });

afterEach(() => cleanup());
