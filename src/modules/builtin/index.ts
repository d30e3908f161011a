/** The built-in modules, and a registry holding them (plugins are added at run time). */
import { ModuleRegistry } from '../../engine/registry.js';
import type { ModuleDescriptor } from '../../engine/module.js';
import { targetExpansion } from './target-expansion.js';
import { tcpProbeDiscovery } from './tcp-probe-discovery.js';
import { connectScanner } from './connect-scanner.js';
import { udpScanner } from './udp-scanner.js';
import { bannerGrabber } from './banner-grabber.js';
import { fileReporter } from './file-reporter.js';
import type { ProgressBoard } from './progress-board.js';

export { ProgressBoard } from './progress-board.js';

export function builtinModules(board?: ProgressBoard): ModuleDescriptor[] {
  return [targetExpansion, tcpProbeDiscovery(board), connectScanner(board), udpScanner, bannerGrabber, fileReporter];
}

export function builtinRegistry(board?: ProgressBoard): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const m of builtinModules(board)) registry.register(m);
  return registry;
}
