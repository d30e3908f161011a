/** Config fields shared by the connect-based modules, with the CLI's defaults. */
import type { ConfigSchema } from '../../engine/module.js';

export const CONNECT_SETTINGS: ConfigSchema = {
  concurrency: { type: 'int', default: 1024, min: 1, max: 100000, description: 'connections in flight at once' },
  rate: { type: 'float', default: 0, min: 0, description: 'probes per second, 0 = no limit' },
  timeout_ms: { type: 'int', default: 1000, min: 1, max: 600000, description: 'connect timeout' },
  retries: { type: 'int', default: 1, min: 0, max: 20, description: 'extra attempts after a timeout' },
  workers: { type: 'int', min: 0, max: 256, description: 'scanner threads (default one per core; 0 = this thread)' },
  seed: { type: 'string', description: 'seed of the probe order' },
};

export interface ConnectSettings {
  concurrency: number;
  rate: number;
  timeout_ms: number;
  retries: number;
  workers?: number;
  seed?: string;
}
