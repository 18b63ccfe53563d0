import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());
// findBy*/waitFor give up after 1 s by default: too short when CI's two cores are shared (several
// suites at once) and a lazy chunk or an engine response takes longer. A missing element still
// fails, only later.
configure({ asyncUtilTimeout: 15_000 });
