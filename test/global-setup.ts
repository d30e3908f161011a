/**
 * Runs once around the whole suite: the daemons that test files start on
 * loopback are shared (fixed ports), so they are stopped here, by PID, at the
 * end — unless another live process (a second test run, `services-cli start`)
 * still holds a lease on them.
 */
// @ts-expect-error plain ESM module with JSDoc types
import { stopServices } from './support/services.mjs';

export default function setup(): () => Promise<void> {
  return async () => {
    await stopServices(undefined);
  };
}
