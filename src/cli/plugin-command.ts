/**
 * `wasmap plugin new|build|pack|info|test`: the plugin author's loop.
 * Implementations load inside each action so `wasmap --help` stays fast.
 * Bad input is a UsageError (one line, exit 2); `plugin test` exits 0 when
 * the invocation's status is `success`, 1 otherwise.
 */
import { Option, type Command } from 'commander';
import { jsonReplacer } from '../report/encode.js';
import { forTerminal, jsonForTerminal } from '../report/terminal-text.js';
import { registerPluginStoreCommands } from './plugin-store-command.js';
import { registerPluginTrustCommands } from './plugin-trust-command.js';
import { registerPluginSignCommands } from './plugin-sign-command.js';

/** Pretty JSON, still valid and the same data, with nothing a terminal would act on (C1, bidi as \u escapes). */
function json(v: unknown): string {
  return jsonForTerminal(JSON.stringify(v, jsonReplacer, 2));
}

/** One-line JSON of plugin data, for a line of the human report. */
function jsonLine(v: unknown): string {
  return forTerminal(JSON.stringify(v, jsonReplacer));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function human(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

const LEVELS = ['debug', 'info', 'warn', 'error'];

export function registerPluginCommands(program: Command): void {
  const plugin = program
    .command('plugin')
    .description('write, build, try, sign and install WebAssembly plugins (see docs/plugins.md)');

  plugin
    .command('new')
    .description('create a plugin that builds and has a test')
    .argument('<name>', 'plugin name: lowercase letters, digits and -')
    .addOption(new Option('--lang <lang>', 'language').choices(['rust', 'as']).makeOptionMandatory())
    .addOption(new Option('--kind <kind>', 'plugin kind').choices(['scanner', 'detection', 'evaluator', 'output']).default('scanner'))
    .option('--dir <dir>', 'where to create it (default ./NAME)')
    .action(async (name: string, opts: { lang: 'rust' | 'as'; kind: 'scanner' | 'detection' | 'evaluator' | 'output'; dir?: string }) => {
      const { scaffoldPlugin } = await import('../authoring/scaffold.js');
      const r = await scaffoldPlugin({ name, lang: opts.lang, kind: opts.kind, dir: opts.dir });
      process.stdout.write(`created ${r.dir}\n${r.files.map((f) => `  ${f}\n`).join('')}`);
      const next = opts.lang === 'as' ? ['npm install', 'npm test', 'npm run build'] : ['cargo test', 'wasmap plugin build'];
      process.stdout.write(`next: cd ${r.dir} && ${next.join(' && ')}\n`);
    });

  plugin
    .command('build')
    .description('compile per plugin.toml [build], embed the manifest, validate: DIR/build/NAME.wasm')
    .argument('[dir]', 'plugin directory', '.')
    .option('-o, --output <file>', 'write the plugin here instead')
    .option('--rust-target <triple>', 'Rust only: override [build] target (wasm32-unknown-unknown, wasm32-wasi)')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'do not show compiler output')
    .action(async (dir: string, opts: { output?: string; rustTarget?: string; json?: boolean; quiet?: boolean }) => {
      const { buildPlugin } = await import('../authoring/build.js');
      const r = await buildPlugin(dir, {
        onOutput: opts.quiet || opts.json ? undefined : (c) => process.stderr.write(c),
        rustTarget: opts.rustTarget,
        output: opts.output,
      });
      // not errors (the plugin loads), but it will not do what its code means to
      for (const w of r.warnings) process.stderr.write(`wasmap: warning: ${forTerminal(w)}\n`);
      if (opts.json) {
        process.stdout.write(`${json({ path: r.path, sha256: r.sha256, size: r.size, lang: r.lang, name: r.plugin.manifest.name, version: r.plugin.manifest.version, warnings: r.warnings })}\n`);
      } else {
        // the path holds the name from plugin.toml
        process.stdout.write(`${forTerminal(r.path)}\nsha256 ${r.sha256}  ${human(r.size)}\n`);
      }
    });

  plugin
    .command('pack')
    .description('embed plugin.toml as the wasmap.manifest section of a compiled module')
    .argument('<in>', 'compiled .wasm')
    .argument('<toml>', 'plugin.toml')
    .requiredOption('-o, --output <file>', 'the packed plugin')
    .action(async (input: string, toml: string, opts: { output: string }) => {
      const [{ packFile }] = await Promise.all([import('../authoring/pack-file.js')]);
      const r = await packFile(input, toml, opts.output);
      process.stdout.write(`${forTerminal(r.path)}\nsha256 ${r.sha256}  ${human(r.size)}\n`);
    });

  plugin
    .command('info')
    .description('manifest, capabilities, imports, exports, sha256 and size of a plugin')
    .argument('<plugin>', '.wasm file')
    .option('--json', 'print as JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const [{ loadPlugin }, { capabilityWarnings }] = await Promise.all([import('../sandbox/plugin.js'), import('../authoring/import-capabilities.js')]);
      const p = await loadPlugin(path);
      const warnings = capabilityWarnings(p.imports, p.manifest.capabilities, 'its manifest');
      const info = { path, sha256: p.sha256, size: p.size, asyncified: p.asyncified, manifest: p.manifest, imports: p.imports, exports: p.exports, limits: p.limits, warnings };
      if (opts.json) {
        process.stdout.write(`${json(info)}\n`);
        return;
      }
      const m = p.manifest;
      const list = (xs: readonly unknown[]) => (xs.length ? xs.join(', ') : '-');
      // every value below comes from the plugin file: each line is escaped for the terminal
      const lines = [
        `name          ${m.name} ${m.version} (${m.kind})`,
        ...(m.description ? [`description   ${m.description}`] : []),
        ...(m.author ? [`author        ${m.author}`] : []),
        ...(m.license ? [`license       ${m.license}`] : []),
        `capabilities  ${list(m.capabilities)}`,
        `requires      ${list(m.requires)}`,
        `provides      ${list(m.provides)}`,
        `match         ${Object.keys(m.match).length ? JSON.stringify(m.match) : 'every open port'}`,
        `config        ${Object.keys(m.config).length ? '' : '-'}`,
        ...Object.entries(m.config).map(([k, f]) => `  ${k}  ${f.type}${f.required ? ', required' : ''}${f.default !== undefined ? `, default ${JSON.stringify(f.default)}` : ''}${f.description ? `  ${f.description}` : ''}`),
        `limits        ${Object.entries(p.limits).map(([k, v]) => `${k}=${v}`).join(' ')}`,
        `imports       ${list(p.imports)}`,
        `exports       ${list(p.exports)}`,
        `asyncified    ${p.asyncified ? 'yes' : 'no'}`,
        `size          ${human(p.size)} (${p.size} bytes)`,
        `sha256        ${p.sha256}`,
        ...warnings.map((w) => `warning       ${w}`),
      ];
      process.stdout.write(`${lines.map(forTerminal).join('\n')}\n`);
    });

  plugin
    .command('test')
    .description('run ONE invocation of a plugin against a live service and show result, logs, limits and timing')
    .argument('<plugin>', '.wasm file, or a plugin directory (built first)')
    .option('--target <host:port>', 'the service to run against')
    .option('--udp', 'the target is UDP')
    .option('--tls', 'mark the target as TLS')
    .option('--config <key=value>', 'a config value (repeatable)', collect, [])
    .option('--banner-file <file>', 'bytes for the banner context key')
    .option('--events-file <file>', 'JSON array or JSONL for the events context key (output plugins)')
    .option('--context <key=json>', 'a DataContext value the plugin requires, e.g. open_ports=[22,80] (repeatable)', collect, [])
    .option('--limit <key=value>', 'a sandbox limit for this run, e.g. wall_ms=2000 (repeatable)', collect, [])
    .option('--json', 'print the report as JSON')
    .action(async (path: string, opts: { target?: string; udp?: boolean; tls?: boolean; config: string[]; bannerFile?: string; eventsFile?: string; context: string[]; limit: string[]; json?: boolean }) => {
      const { statSync } = await import('node:fs');
      let wasm = path;
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
        const { buildPlugin } = await import('../authoring/build.js');
        wasm = (await buildPlugin(path, { onOutput: opts.json ? undefined : (c) => process.stderr.write(c) })).path;
      }
      const [{ tryPlugin }, { parseLimitFlags }] = await Promise.all([import('../authoring/try-plugin.js'), import('../sandbox/limits.js')]);
      const r = await tryPlugin(wasm, { ...opts, limits: parseLimitFlags(opts.limit, '--limit') });
      const res = r.result;
      if (opts.json) {
        process.stdout.write(`${json(r)}\n`);
      } else {
        const t = r.target;
        // the plugin writes most of this: its strings are escaped for the terminal, one line each
        const out: string[] = [
          `plugin    ${forTerminal(`${r.plugin.name} ${r.plugin.version} (${r.plugin.kind})`)}  ${r.plugin.sha256.slice(0, 16)}`,
          ...(t ? [`target    ${forTerminal(`${t.ip.includes(':') ? `[${t.ip}]` : t.ip}:${t.port}/${t.transport}${t.hostname ? ` (${t.hostname})` : ''}`)}`] : []),
          `status    ${forTerminal(res.status)}`,
          ...(res.error ? [`error     ${forTerminal(res.error)}${res.sandbox.code ? ` [${res.sandbox.code}]` : ''}`] : []),
          ...(res.summary ? [`summary   ${forTerminal(res.summary)}`] : []),
          ...(res.service !== undefined ? [`service   ${jsonLine(res.service)}`] : []),
          ...(res.findings?.length ? ['findings', ...res.findings.map((f) => `  ${jsonLine(f)}`)] : []),
          ...(res.data !== undefined ? [`data      ${typeof res.data === 'object' ? json(res.data) : jsonLine(res.data)}`] : []),
          ...(Object.keys(res.provides).length ? [`provides  ${jsonLine(res.provides)}`] : []),
          ...(res.emitted.length ? [`emitted   ${res.emitted.length}`, ...res.emitted.map((e) => `  ${jsonLine(e)}`)] : []),
          `logs      ${res.logs.length}${res.sandbox.logs_dropped ? ` (+${res.sandbox.logs_dropped} dropped)` : ''}`,
          ...res.logs.map((l) => `  [${LEVELS[l.level] ?? l.level}] ${forTerminal(l.message)}`),
          `sandbox   ${Math.round(res.sandbox.duration_ms * 10) / 10} ms, sent ${human(res.sandbox.bytes_sent)}, received ${human(res.sandbox.bytes_received)}, denied ${res.sandbox.denied}${res.sandbox.limit ? `, limit hit: ${res.sandbox.limit}` : ''}`,
          ...(res.sandbox.denials ?? []).map((d) => `  EDENIED: ${forTerminal(d)}`),
          `limits    ${Object.entries(r.limits).map(([k, v]) => `${k}=${v}`).join(' ')}`,
          `timing    load ${r.timing.load_ms} ms${r.plugin.asyncified ? ' (asyncified, cached after the first load)' : ''}, invoke ${r.timing.invoke_ms} ms`,
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      }
      process.exitCode = res.status === 'success' ? 0 : 1;
    });

  registerPluginStoreCommands(plugin);
  registerPluginTrustCommands(plugin);
  registerPluginSignCommands(plugin);
}
