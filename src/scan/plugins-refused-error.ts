/** Plugins the user named (files, folders) that did not load: bad input, so nothing runs. */
import { WasmapError } from '../errors.js';
import type { RefusedPlugin } from '../modules/plugins/plugin-set.js';

export class PluginsRefusedError extends WasmapError {
  readonly refused: readonly RefusedPlugin[];
  constructor(refused: readonly RefusedPlugin[]) {
    super('WASMAP_PLUGIN_LOAD', refused.map((r) => `plugin ${r.source} refused: ${r.message}`).join('; '));
    this.name = 'PluginsRefusedError';
    this.refused = refused;
  }
}
