/**
 * `wasmap dag validate|run|export|list`. Knows nothing of concrete modules:
 * the registry, the bundled DAGs and the output sink come from `deps`, which
 * the lead's main.ts fills.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { exitCodeForSignal, reportFatal } from './fatal.js';
import { forTerminal, jsonForTerminal, linesForTerminal } from '../report/terminal-text.js';
import type { ScanEvent } from '../model/event.js';
import { parseConfigAssignment } from '../engine/config-schema.js';
import type { ModuleRegistry } from '../engine/registry.js';
import type { Dag, DagIssue } from '../engine/dag.js';
import type { ConfigOverrides } from '../engine/dag-validate.js';
import type { RunOptions, RunResult } from '../engine/dag-executor.js';

// The engine (and the yaml parser) load when a dag command runs, not when
// main.ts registers the commands, so `wasmap --help` stays instant.
const engine = async () => {
  const [dag, load, validate, executor, summary] = await Promise.all([
    import('../engine/dag.js'), import('../engine/dag-load.js'), import('../engine/dag-validate.js'),
    import('../engine/dag-executor.js'), import('../engine/summary.js'),
  ]);
  return { formatIssue: dag.formatIssue, loadDag: load.loadDag, validateDag: validate.validateDag, runDag: executor.runDag, formatSummary: summary.formatSummary };
};

// What the dag and module commands need from the process: two text streams
// and an exit code. Injectable so tests run the real commands in-process.
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** sets the exit code (the default does not end the process, so output can flush) */
  exit(code: number): void;
}

export function defaultIO(over: Partial<CliIO> = {}): CliIO {
  return {
    stdout: over.stdout ?? ((t) => { process.stdout.write(t); }),
    stderr: over.stderr ?? ((t) => { process.stderr.write(t); }),
    exit: over.exit ?? ((c) => { process.exitCode = c; }),
  };
}


/**
 * Runs a command body; turns any failure into one line on stderr and an exit
 * code (2 for bad input, 1 otherwise), never a stack trace.
 */
export async function guarded(io: CliIO, body: () => Promise<number>): Promise<void> {
  try {
    io.exit(await body());
  } catch (e) {
    io.exit(reportFatal(e, io.stderr));
  }
}

export type OutputFormat = 'jsonl' | 'json';

/** Where `dag run` sends events; closed once the run ends (also on failure). report/writer.ts's EventWriter fits. */
export interface EventSink {
  write(ev: Readonly<ScanEvent>): void;
  close(): Promise<void>;
}

/** Plugins to register as modules for one command (`--plugin`, `--plugin-dir`). */
export interface PluginRefs {
  plugin?: string[];
  pluginDir?: string[];
}

export interface DagCommandDeps {
  /** the modules a DAG may use: built-ins, plus the plugins given */
  registry: (plugins?: PluginRefs) => Promise<ModuleRegistry>;
  /** frees what `registry` started (the plugin runtime's workers); called when a command ends */
  release?: () => Promise<void>;
  /** bundled DAGs by name (YAML text) */
  bundledDags: () => Promise<Record<string, string>>;
  /** opens the output for `-o FILE` (stdout when absent) in `-f FORMAT` */
  openOutput: (opts: { file?: string; format: OutputFormat }) => Promise<EventSink>;
  /** runs a validated DAG; defaults to the engine's runDag (wrap it to add plugin pools, job ids, …) */
  runDag?: (dag: Dag, opts: RunOptions) => Promise<RunResult>;
  io?: Partial<CliIO>;
}

interface DagText {
  text: string;
  file: string;
}

/** a path if it exists, else a bundled DAG's name */
async function readDag(ref: string, deps: DagCommandDeps): Promise<DagText> {
  try {
    return { text: await readFile(ref, 'utf8'), file: ref };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UsageError(`cannot read ${ref}: ${(e as Error).message}`);
  }
  const bundled = await deps.bundledDags();
  const text = bundled[ref];
  if (text === undefined) {
    const names = Object.keys(bundled).sort();
    throw new UsageError(`no such DAG file or bundled DAG: ${ref}${names.length ? ` (bundled: ${names.join(', ')})` : ''}`);
  }
  return { text, file: `<bundled ${ref}>` };
}

async function printIssues(issues: DagIssue[], out: (t: string) => void): Promise<void> {
  const { formatIssue } = await engine();
  // an issue quotes the DAG file's content
  for (const i of issues) out(forTerminal(formatIssue(i)) + '\n');
}

interface Checked {
  dag?: Dag;
  issues: DagIssue[];
  file: string;
  registry?: ModuleRegistry;
  overrides?: ConfigOverrides;
}

/** loads and validates; the issues come back rather than being thrown */
async function check(ref: string, deps: DagCommandDeps, plugins: PluginRefs, overrides?: (dag: Dag, r: ModuleRegistry) => ConfigOverrides): Promise<Checked> {
  const { text, file } = await readDag(ref, deps);
  const { loadDag, validateDag } = await engine();
  const loaded = loadDag(text, file);
  if (!loaded.dag) return { issues: loaded.issues, file };
  const registry = await deps.registry(plugins);
  const ov = overrides?.(loaded.dag, registry);
  const issues = [...loaded.issues, ...validateDag(loaded.dag, registry, ov)].sort((a, b) => a.line - b.line);
  return ov ? { dag: loaded.dag, issues, file, registry, overrides: ov } : { dag: loaded.dag, issues, file, registry };
}

/** `node.key=value` → overrides, each value coerced by that node's module schema */
export function parseSetOptions(sets: readonly string[], dag: Dag, registry: ModuleRegistry): ConfigOverrides {
  const out: ConfigOverrides = {};
  for (const s of sets) {
    const dot = s.indexOf('.');
    const eq = s.indexOf('=');
    if (dot <= 0 || eq < 0 || dot > eq) throw new UsageError(`bad --set "${s}": expected node.key=value`);
    const nodeId = s.slice(0, dot);
    const node = dag.nodes.find((n) => n.id === nodeId);
    const schema = node ? registry.get(node.module)?.config : undefined;
    const { key, value } = parseConfigAssignment(s.slice(dot + 1), schema);
    (out[nodeId] ??= {})[key] = value;
  }
  return out;
}

export function registerDagCommands(program: Command, deps: DagCommandDeps): Command {
  const baseIO = defaultIO(deps.io);
  // every command releases the plugin runtime when it ends, whatever happened
  const io: CliIO = { ...baseIO, exit: (c) => baseIO.exit(c) };
  const guardedRun = (body: () => Promise<number>): Promise<void> => guarded(io, body).finally(() => deps.release?.());
  const collectList = (v: string, acc: string[]): string[] => [...acc, v];
  const dag = program.command('dag').description('validate, run and export module DAGs');

  dag.command('validate')
    .description('check a DAG file (or bundled DAG) and report every problem with file:line')
    .argument('<file>', 'DAG YAML file or bundled DAG name')
    .option('--json', 'print issues as a JSON array of {file, line, code, message, node?}')
    .option('--plugin <file>', 'register this plugin as a module (repeatable)', collectList, [] as string[])
    .option('--plugin-dir <dir>', 'register every .wasm plugin in DIR (repeatable)', collectList, [] as string[])
    .action((ref: string, opts: { json?: boolean } & PluginRefs) => guardedRun(async () => {
      const r = await check(ref, deps, opts);
      if (opts.json) io.stdout(jsonForTerminal(JSON.stringify(r.issues, null, 2)) + '\n');
      else if (r.issues.length) await printIssues(r.issues, io.stdout);
      else io.stdout(`${forTerminal(r.file)}: valid (${r.dag!.nodes.length} nodes)\n`);
      return r.issues.length ? 1 : 0;
    }));

  dag.command('run')
    .description('run a DAG file (or bundled DAG)')
    .argument('<file>', 'DAG YAML file or bundled DAG name')
    .option('--set <node.key=value>', 'set a node config key (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-o, --output <file>', 'write events to FILE instead of stdout')
    .option('-f, --format <format>', 'event format: jsonl or json', 'jsonl')
    .option('-v, --verbose', 'show module info and debug logs')
    .option('-q, --quiet', 'no summary table on stderr')
    .option('--plugin <file>', 'register this plugin as a module (repeatable)', collectList, [] as string[])
    .option('--plugin-dir <dir>', 'register every .wasm plugin in DIR (repeatable)', collectList, [] as string[])
    .action((ref: string, opts: { set: string[]; output?: string; format: string; verbose?: boolean; quiet?: boolean } & PluginRefs) => guardedRun(async () => {
      if (opts.format !== 'jsonl' && opts.format !== 'json') throw new UsageError(`bad --format "${opts.format}": expected jsonl or json`);
      const r = await check(ref, deps, opts, (d, reg) => parseSetOptions(opts.set, d, reg));
      if (r.issues.length || !r.dag || !r.registry) {
        await printIssues(r.issues, io.stderr);
        return 1;
      }
      const registry = r.registry;
      const { runDag: engineRunDag, formatSummary } = await engine();
      const sink = await deps.openOutput({ format: opts.format, ...(opts.output ? { file: opts.output } : {}) });
      // the first SIGINT/SIGTERM cancels (results so far are kept); a second one hits Node's default and exits
      const ac = new AbortController();
      let interruptedBy: NodeJS.Signals | undefined;
      const onSignal = (sig: NodeJS.Signals): void => { interruptedBy = sig; ac.abort(new Error(`interrupted by ${sig}`)); };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let result: RunResult;
      try {
        result = await (deps.runDag ?? engineRunDag)(r.dag, {
          registry,
          signal: ac.signal,
          onEvent: (ev) => sink.write(ev),
          onLog: (l) => {
            if (opts.verbose || l.level === 'warn' || l.level === 'error') io.stderr(`wasmap: ${l.level}: ${forTerminal(`[${l.nodeId}] ${l.msg}`)}\n`);
          },
          ...(r.overrides ? { overrides: r.overrides } : {}),
        });
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        await sink.close();
      }
      if (!opts.quiet) io.stderr(linesForTerminal(formatSummary(result)));
      if (interruptedBy) return exitCodeForSignal(interruptedBy);
      return result.status === 'ok' ? 0 : 1;
    }));

  dag.command('export')
    .description('print a bundled DAG as YAML, to copy and edit')
    .argument('<name>', 'bundled DAG name')
    .action((name: string) => guarded(io, async () => {
      const bundled = await deps.bundledDags();
      const text = bundled[name];
      if (text === undefined) throw new UsageError(`no bundled DAG named ${name} (bundled: ${Object.keys(bundled).sort().join(', ') || 'none'})`);
      io.stdout(text.endsWith('\n') ? text : text + '\n');
      return 0;
    }));

  dag.command('list')
    .description('list the bundled DAGs')
    .action(() => guarded(io, async () => {
      const bundled = await deps.bundledDags();
      const { loadDag } = await engine();
      const rows = Object.keys(bundled).sort().map((name) => {
        const d = loadDag(bundled[name]!, `<bundled ${name}>`).dag;
        return [name, d ? `${d.nodes.length} nodes` : 'invalid', d?.description ?? ''];
      });
      const w0 = Math.max(4, ...rows.map((r) => r[0]!.length));
      const w1 = Math.max(5, ...rows.map((r) => r[1]!.length));
      for (const r of rows) io.stdout(forTerminal(`${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`.trimEnd()) + '\n');
      return 0;
    }));

  return dag;
}
