import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// findBy*/waitFor give up after 1 s by default; on a loaded 2-core machine (CI, several suites at once)
// a render after a mocked fetch can take longer. A missing element still fails, after 5 s.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => cleanup());
// findBy*/waitFor give up after 1 s by default: too short when CI's two cores are shared and a lazy
// chunk or an engine response takes longer. A real failure still fails, only later.
configure({ asyncUtilTimeout: 15_000 });
