/**
 * `wasmap module list|info`: what the registry holds, built-ins and plugins
 * alike, with the config schema and the DataContext keys each one uses.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { suggest } from '../engine/config-schema.js';
import type { ConfigField, ModuleDescriptor } from '../engine/module.js';
import type { ModuleRegistry } from '../engine/registry.js';
import { contractOf } from '../model/key-contracts.js';
import { defaultIO, guarded, type CliIO } from './dag-command.js';
import { forTerminal, jsonForTerminal } from '../report/terminal-text.js';

export interface ModuleCommandDeps {
  registry: () => Promise<ModuleRegistry>;
  io?: Partial<CliIO>;
}

/** Cells come from plugin manifests: escaped before they are measured. */
function table(cells: string[][]): string {
  const rows = cells.map((r) => r.map(forTerminal));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

function fieldType(f: ConfigField): string {
  return f.type === 'list' && f.items ? `list<${f.items}>` : f.type;
}

function fieldRule(f: ConfigField): string {
  const parts: string[] = [];
  if (f.required) parts.push('required');
  if (f.default !== undefined) parts.push(`default ${JSON.stringify(f.default)}`);
  if (f.min !== undefined || f.max !== undefined) parts.push(`${f.min ?? ''}..${f.max ?? ''}`);
  if (f.enum) parts.push(`one of ${f.enum.map((e) => JSON.stringify(e)).join('|')}`);
  return parts.join(', ') || '-';
}

function describeKeys(keys: string[]): string {
  return keys.length ? keys.map((k) => { const c = contractOf(k); return `${k} (${c.type}, ${c.cardinality})`; }).join(', ') : '-';
}

/** a JSON view of a descriptor (create() left out) */
function descriptorJson(d: ModuleDescriptor): Record<string, unknown> {
  return {
    name: d.name, kind: d.kind, version: d.version, description: d.description,
    origin: d.origin ?? 'builtin', ...(d.source ? { source: d.source } : {}),
    requires: d.requires, uses: d.uses ?? [], provides: d.provides, config: d.config,
  };
}

export function formatModuleInfo(d: ModuleDescriptor): string {
  const lines = [
    `name:        ${d.name} (${d.origin ?? 'builtin'})`,
    `kind:        ${d.kind}`,
    `version:     ${d.version}`,
    ...(d.source ? [`source:      ${d.source}`] : []),
    `description: ${d.description}`,
    `requires:    ${describeKeys(d.requires)}`,
    ...(d.uses?.length ? [`uses:        ${describeKeys(d.uses)} (optional)`] : []),
    `provides:    ${describeKeys(d.provides)}`,
  ];
  const head = lines.map(forTerminal).join('\n');
  const fields = Object.entries(d.config);
  if (fields.length === 0) return head + '\nconfig:      none\n';
  const rows = [['KEY', 'TYPE', 'RULES', 'DESCRIPTION'], ...fields.map(([k, f]) => [k, fieldType(f), fieldRule(f), f.description ?? ''])];
  return head + '\nconfig:\n' + table(rows).split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');
}

export function registerModuleCommands(program: Command, deps: ModuleCommandDeps): Command {
  const io = defaultIO(deps.io);
  const mod = program.command('module').description('list and describe modules (built-in and plugins)');

  mod.command('list')
    .description('list every registered module')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) => guarded(io, async () => {
      const all = (await deps.registry()).list();
      if (opts.json) io.stdout(jsonForTerminal(JSON.stringify(all.map(descriptorJson), null, 2)) + '\n');
      else io.stdout(table([['NAME', 'KIND', 'ORIGIN', 'VERSION', 'DESCRIPTION'], ...all.map((d) => [d.name, d.kind, d.origin ?? 'builtin', d.version, d.description])]));
      return 0;
    }));

  mod.command('info')
    .description('show one module: kind, keys it reads and writes, config schema')
    .argument('<name>', 'module name')
    .option('--json', 'print JSON')
    .action((name: string, opts: { json?: boolean }) => guarded(io, async () => {
      const registry = await deps.registry();
      const d = registry.get(name);
      if (!d) {
        const hint = suggest(name, registry.list().map((m) => m.name));
        throw new UsageError(`no module named ${name}${hint ? ` (did you mean ${hint}?)` : ''}; see wasmap module list`);
      }
      io.stdout(opts.json ? jsonForTerminal(JSON.stringify(descriptorJson(d), null, 2)) + '\n' : formatModuleInfo(d));
      return 0;
    }));

  return mod;
}
