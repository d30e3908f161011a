import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    // scans run the plugins installed in the user's store: tests see an empty
    // one (and no system store), never the developer's own; store tests make theirs
    env: {
      XDG_DATA_HOME: join(tmpdir(), 'wasmap-test-xdg', 'data'),
      XDG_CONFIG_HOME: join(tmpdir(), 'wasmap-test-xdg', 'config'),
      WASMAP_PLUGIN_PATH: '',
    },
  },
});
