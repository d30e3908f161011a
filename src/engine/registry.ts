/**
 * The set of modules a run can use. Filled at start-up: built-ins first, then
 * every plugin the plugin runtime loaded (each registered from its manifest),
 * so names are only known at run time and a clash must be a clear error.
 */
import { WasmapError } from '../errors.js';
import { MODULE_KINDS, type ModuleDescriptor } from './module.js';
import { checkSchema } from './config-schema.js';

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class ModuleRegistry {
  readonly #modules = new Map<string, ModuleDescriptor>();

  /** Adds a module; refuses a bad descriptor or a name already taken. */
  register(d: ModuleDescriptor): void {
    if (typeof d.name !== 'string' || !NAME_RE.test(d.name)) {
      throw new WasmapError('WASMAP_DAG', `module name ${JSON.stringify(d.name)} is invalid: expected [a-z0-9][a-z0-9_-]*, at most 64 characters`);
    }
    const existing = this.#modules.get(d.name);
    if (existing) {
      const where = existing.source ? ` (from ${existing.source})` : existing.origin ? ` (${existing.origin})` : '';
      const incoming = d.source ? ` from ${d.source}` : '';
      throw new WasmapError('WASMAP_DAG', `module "${d.name}"${incoming} is already registered${where}`);
    }
    if (!MODULE_KINDS.includes(d.kind)) {
      throw new WasmapError('WASMAP_DAG', `module "${d.name}": unknown kind ${JSON.stringify(d.kind)} (expected ${MODULE_KINDS.join(', ')})`);
    }
    if (!Array.isArray(d.requires) || !Array.isArray(d.provides) || typeof d.create !== 'function') {
      throw new WasmapError('WASMAP_DAG', `module "${d.name}": requires, provides and create() are mandatory`);
    }
    const schemaProblems = checkSchema(d.config ?? {});
    if (schemaProblems.length > 0) {
      throw new WasmapError('WASMAP_DAG', `module "${d.name}": bad config schema: ${schemaProblems.join('; ')}`);
    }
    this.#modules.set(d.name, d);
  }

  get(name: string): ModuleDescriptor | undefined {
    return this.#modules.get(name);
  }

  has(name: string): boolean {
    return this.#modules.has(name);
  }

  /** every module, sorted by name */
  list(): ModuleDescriptor[] {
    return [...this.#modules.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
