import { defineConfig } from 'vitest/config';

// Tests run against real loopback sockets, real daemons and real compiled
// plugins, so they get generous time limits; speed is measured in bench/.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'plugins-wasm/*/test/*.test.ts', 'examples/*/test/*.test.ts', 'sdk/*/test/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
