#!/usr/bin/env node
/**
 * The wasmap command line. Only commander loads at start (so `--help` is
 * instant); each command imports its implementation when it runs.
 */
import { basename } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { rewriteNmapFlags } from './options.js';
import { reportFatal } from './fatal.js';
import { forTerminal, linesForTerminal } from '../report/terminal-text.js';
import { registerDagCommands, type PluginRefs } from './dag-command.js';
import { registerModuleCommands } from './module-command.js';
import { registerPluginCommands } from './plugin-command.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

const SCAN_EXAMPLES = `
Examples:
  wasmap scan 127.0.0.1 -p 22,80,443           three ports, what runs there, findings
  wasmap scan 127.0.0.1 -p- --profile ports    all 65535 TCP ports, no detection
  wasmap scan 10.0.0.0/24 --top-ports 100      the 100 most common ports of a /24
  wasmap scan localhost ::1 -p 1-1024 --banner ports and banners, IPv4 and IPv6
  wasmap scan -iL hosts.txt --exclude 10.0.0.5 -p 80 -f csv -o out.csv
  wasmap scan 127.0.0.1 -p 6379 --plugin redis.wasm

Targets: addresses (IPv4, IPv6), CIDR (10.0.0.0/24, fd00::/120), ranges
(10.0.0.1-20, 10.0.0.1-10.0.1.5), hostnames (all their addresses are scanned).
Ranges leave out reserved, multicast and broadcast blocks (0.0.0.0/8, 224.0.0.0/4,
240.0.0.0/4, ff00::/8, ...) unless given on their own; more than 16,777,216
addresses (a /8) needs --allow-large-scan. --dry-run counts without sending.
Ports: 22,80,443  1-1024  -  (all)  T:80,U:53 (protocol prefixes).
Detection: by default service-simple names the service on each open port, the
bundled protocol plugins (ssh, http, https, ssl, ftp, smtp, redis, memcached,
mqtt, mysql, postgresql, rsync, telnet) run where it or the port says, and the
misconfig evaluator reports findings per host. --profile ports skips all that.
Output: a table on a terminal, JSONL when stdout is piped; -f to choose.
Exit status: 0 scan completed, 2 bad input, 130/143 interrupted (results kept).`;

function buildProgram(): Command {
  const program = new Command('wasmap')
    .description('Network scanner with sandboxed WebAssembly plugins')
    .version(pkg.version, '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .configureOutput({
      // Commander's own errors are one line already; keep them on stderr with our prefix.
      // (they echo the user's arguments, escaped like every other line we print)
      outputError: (str, write) => write(`wasmap: ${linesForTerminal(str.replace(/^error: /, 'error: ').trim())}\n`),
    })
    .exitOverride();

  program
    .command('scan')
    .description('scan targets for open ports (TCP connect), optionally grab banners and run plugins')
    .argument('[targets...]', 'addresses, CIDRs, ranges or hostnames')
    .option('-p, --ports <spec>', 'ports to scan (default: the 1000 most common)')
    .option('--top-ports <n>', 'scan the N most common ports')
    .option('--input-list <file>', 'read targets from FILE (- for stdin); nmap spelling: -iL')
    .option('--exclude <list>', 'comma-separated targets to leave out', collect, [])
    .option('--exclude-file <file>', 'read targets to leave out from FILE')
    .option('--max-targets <n>', 'most target addresses without --allow-large-scan (default 16777216: a /8 or a /104)')
    .option('--allow-large-scan', 'scan more target addresses than --max-targets')
    .option('--dry-run', 'read and check targets and ports, print the count, send nothing')
    .option('--skip-discovery', 'treat every host as up, skip host discovery; nmap spelling: -Pn')
    .option('--rate <pps>', 'at most this many probes per second (default: no limit)')
    .option('--concurrency <n>', 'connections in flight at once (default 1024)')
    .option('--timeout <ms>', 'connect timeout in milliseconds (default 1000)')
    .option('--retries <n>', 'extra attempts for probes that timed out (default 1)')
    .option('--banner', 'grab a banner from each open port')
    .option('--banner-timeout <ms>', 'how long to wait for a banner, and again after the probe (default 2000)')
    .option('-o, --output <file>', 'write results to FILE: .jsonl, .json, .csv, .txt (a table) or .html (a report), .xml, .nmap or .gnmap (nmap\'s), or any name with -f')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'jsonl', 'json', 'csv', 'html', 'nmap-xml', 'nmap-normal', 'nmap-grep']))
    .option('--html <file>', 'also write a self-contained HTML report to FILE (filters, search, findings by severity)')
    .option('--screenshots <dir>', 'write each screenshot a plugin took (vnc, x11, web) to DIR/IP_PORT_module.png, creating DIR')
    .option('--output-xml <file>', 'also write nmap XML to FILE (- for stdout); nmap spelling: -oX')
    .option('--output-normal <file>', 'also write nmap\'s normal output to FILE (- for stdout); nmap spelling: -oN')
    .option('--output-grepable <file>', 'also write nmap\'s grepable output to FILE (- for stdout); nmap spelling: -oG')
    .option('--output-all <base>', 'also write BASE.xml, BASE.nmap, BASE.gnmap and BASE.jsonl; nmap spelling: -oA')
    .option('--states <list>', 'port states to report: open (default), closed, filtered, all')
    .option('--severity <list>', 'report only findings of these severities: info, low, medium, high, critical (e.g. high,critical)')
    .option('--profile <name>', 'bundled scan DAG: default (ports, banners, service detection, plugins), ports (no detection), quick, deep (see wasmap dag list)')
    .option('--seed <seed>', 'seed of the probe order, for a reproducible scan')
    .option('--workers <n>', 'scanner threads (default: one per core)')
    .option('--plugin <file>', 'run this WebAssembly plugin (repeatable)', collect, [])
    .option('--plugin-dir <dir>', 'run every .wasm plugin in DIR (repeatable)', collect, [])
    .option('--plugin-config <name.key=value>', 'set a plugin config value (repeatable)', collect, [])
    .option('--plugin-config-file <name.key=path>', 'set a plugin string config value to the text of a file, e.g. service-simple.nmap_probes=/usr/share/nmap/nmap-service-probes (repeatable)', collect, [])
    .option('--plugin-limit <key=value>', 'lower or raise a sandbox limit for all plugins: memory_mb, cpu_ms, wall_ms, connections, send_bytes, recv_bytes, output_bytes, log_bytes, emits (repeatable)', collect, [])
    .option('--plugin-output <file>', 'where output plugins write their report (default: stdout, after the events)')
    .option('--allow-net <host[:port]>', 'grant network:any plugins this endpoint (repeatable)', collect, [])
    .option('--strict-plugins', 'exit 2 before scanning if any plugin is refused')
    .option('--no-installed', 'do not run installed plugins (wasmap plugin install) in this scan')
    .option('--queue <url>', 'run the scan on workers (wasmap worker) through Redis: redis://HOST:PORT[/DB] (see docs/distributed.md)')
    .option('--shard-size <probes>', 'with --queue or --resume FILE: probes per shard (default 4096)')
    .option('--attempts <n>', 'with --queue: runs of a shard before it is reported failed (default 3)')
    .option('--resume <id|file>', 'with --queue: continue scan ID; without: keep finished shards in FILE and continue from it when it exists')
    .option('-v, --verbose', 'more detail on stderr')
    .option('-q, --quiet', 'no progress and no summary on stderr')
    .addHelpText('after', SCAN_EXAMPLES)
    .action(async (targets: string[], opts: Record<string, unknown>) => {
      const { runScanCommand } = await import('./scan-command.js');
      process.exitCode = await runScanCommand(targets, opts);
    });

  program
    .command('report')
    .description('render a saved scan (JSONL, local or distributed) in another format, without scanning')
    .argument('<input>', 'a .jsonl file wasmap wrote')
    .option('-f, --format <format>', 'output format (see wasmap scan --help)')
    .option('-o, --output <file>', 'write here (the format may follow its extension)')
    .option('--screenshots <dir>', 'write each screenshot in the scan to DIR/IP_PORT_module.png, creating DIR')
    .action(async (input: string, opts: { format?: string; output?: string; screenshots?: string }) => {
      const { runReportCommand } = await import('./report-command.js');
      process.exitCode = await runReportCommand(input, opts);
    });

  program
    .command('worker')
    .description('take shards of distributed scans from Redis and run them (see docs/distributed.md)')
    .requiredOption('--queue <url>', 'redis://HOST:PORT[/DB] (rediss:// for TLS)')
    .option('--concurrency <n>', 'shards at once (default 2)')
    .option('--workers <n>', 'scanner threads per shard (default: one per core)')
    .option('--lock-ms <ms>', 'how long a shard is held without renewal before another worker may take it over (default 30000)')
    .option('-q, --quiet', 'no line per shard on stderr')
    .action(async (opts: Record<string, unknown>) => {
      const { runWorkerCommand } = await import('./worker-command.js');
      process.exitCode = await runWorkerCommand(opts);
    });

  registerEngineCommands(program);
  registerPluginCommands(program);
  return program;
}

/** `wasmap dag …` and `wasmap module …`: the engine, modules and sandbox load only when they run. */
function registerEngineCommands(program: Command): void {
  let release: (() => Promise<void>) | undefined;
  const registry = async (plugins: PluginRefs = {}) => {
    const reg = (await import('../modules/builtin/index.js')).builtinRegistry();
    const { pluginFiles, loadPluginSet, allBundledPluginFiles } = await import('../modules/plugins/plugin-set.js');
    // bundled plugins are modules like the built-ins (the default DAG uses them); given plugins load
    // first, and one named like a bundled plugin takes its place (as in `wasmap scan`)
    const given = await pluginFiles(plugins.plugin ?? [], plugins.pluginDir ?? []);
    const bundled = await allBundledPluginFiles();
    if (given.length + bundled.length > 0) {
      const { PluginRuntime } = await import('../sandbox/index.js');
      const runtime = new PluginRuntime();
      release = () => runtime.close();
      const mine = await loadPluginSet(runtime, given, reg);
      const rest = await loadPluginSet(runtime, bundled.filter((f) => !reg.has(basename(f, '.wasm'))), reg);
      for (const r of [...mine.refused, ...rest.refused]) process.stderr.write(`wasmap: ${forTerminal(`plugin ${r.source} refused: ${r.message}`)}\n`);
    }
    return reg;
  };
  const bundledDags = async () => (await import('../modules/builtin/scan-dag.js')).bundledDagTexts();
  registerDagCommands(program, {
    registry,
    release: async () => {
      await release?.();
      release = undefined;
    },
    bundledDags,
    openOutput: async ({ file, format }) => {
      const { openEventOutput } = await import('./event-output.js');
      return openEventOutput(file, format);
    },
  });
  registerModuleCommands(program, { registry: () => registry() });
  program.hook('postAction', async () => {
    await release?.();
    release = undefined;
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function main(): Promise<void> {
  // `wasmap plugin list | head`: a reader that stops early is no error (as for cat or ls)
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw e;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(rewriteNmapFlags(process.argv.slice(2)), { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; every parse error is a usage error.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportFatal(e);
  }
}

await main();
