/**
 * Runs once around the whole suite: the daemons that test files start on
 * loopback are shared (fixed ports), so they are stopped here, by PID, at the
 * end — unless another live process (a second test run, `services-cli start`)
 * still holds a lease on them. First, scripts/check-deps.mjs checks that
 * every program the tests run is installed.
 */
// @ts-expect-error plain ESM module with JSDoc types
import { stopServices } from './support/services.mjs';
// @ts-expect-error plain ESM module with JSDoc types
import { checkDeps } from '../scripts/check-deps.mjs';

export default async function setup(): Promise<() => Promise<void>> {
  // A missing program fails the run here, by name, instead of as skips or
  // confusing failures deep in test files (CI or not: nothing is skipped).
  const { problems } = (await checkDeps()) as { problems: string[] };
  if (problems.length) throw new Error(`scripts/check-deps.mjs: this machine lacks what the tests run:\n${problems.join('\n')}`);
  return async () => {
    await stopServices(undefined);
  };
}
