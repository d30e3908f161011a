/**
 * `wasmap plugin install|list|update|remove|verify`: community plugins in
 * the user's store (src/store). Refusals are one line and exit 2; Ctrl-C
 * stops a download and installs nothing (130); `verify` exits 1 on a mismatch.
 */
import type { Command } from 'commander';
import { WasmapError } from '../errors.js';
import { forTerminal } from '../report/terminal-text.js';
import type { InstallOptions } from '../store/install.js';
import { storePaths } from '../store/paths.js';
import { terminalConfirm } from './confirm.js';
import { exitCodeForSignal } from './fatal.js';

interface InstallFlags {
  yes?: boolean;
  force?: boolean;
  allowCapability: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const err = (line: string) => process.stderr.write(`${forTerminal(line)}\n`);
const out = (line: string) => process.stdout.write(`${forTerminal(line)}\n`);

/** Runs `fn` with a signal that SIGINT/SIGTERM abort; a run they cut short exits 130/143. */
async function interruptible(fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const ac = new AbortController();
  let got: string | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (got) process.exit(exitCodeForSignal(sig));
    got = sig;
    ac.abort(new WasmapError('WASMAP_ABORTED', `interrupted by ${sig}: nothing was installed`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await fn(ac.signal);
  } catch (e) {
    if (!got) throw e;
    err(`wasmap: interrupted: nothing was installed`);
    process.exitCode = exitCodeForSignal(got);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function installOptions(flags: InstallFlags, signal: AbortSignal): Promise<InstallOptions> {
  return {
    paths: storePaths(),
    yes: flags.yes,
    force: flags.force,
    allowCapabilities: flags.allowCapability,
    confirm: terminalConfirm('install it?'),
    show: (lines) => lines.forEach(err),
    warn: (line) => err(`wasmap: warning: ${line}`),
    signal,
    build: async (dir) => {
      const { buildPlugin } = await import('../authoring/build.js');
      return (await buildPlugin(dir, { onOutput: (c) => process.stderr.write(c) })).path;
    },
  };
}

export function registerPluginStoreCommands(plugin: Command): void {
  plugin
    .command('install')
    .description('install a plugin from a .wasm, a plugin directory, an http(s) URL or NAME[@VERSION] from the configured indexes')
    .argument('<source>', 'FILE.wasm, DIR, URL, NAME or NAME@VERSION')
    .option('-y, --yes', 'accept the capability review without asking')
    .option('--force', 'replace an installed plugin of the same name from another publisher')
    .option('--allow-capability <cap>', 'grant a capability that needs explicit consent (network:any)', collect, [])
    .action(async (source: string, flags: InstallFlags) => {
      await interruptible(async (signal) => {
        const { installPlugin } = await import('../store/install.js');
        const r = await installPlugin(source, await installOptions(flags, signal));
        const e = r.entry;
        if (r.unchanged) out(`${e.name} ${e.version} is already installed (sha256 ${e.sha256.slice(0, 16)}…)`);
        else out(`installed ${e.name} ${e.version}${r.previous ? ` (was ${r.previous.version})` : ''} sha256 ${e.sha256.slice(0, 16)}… ${e.publisher ? `signed by ${e.publisher.name}` : 'unsigned'}`);
      });
    });

  plugin
    .command('update')
    .description('move plugins installed from an index to its newest version (pinned NAME@VERSION installs stay)')
    .argument('[names...]', 'plugins to update (default: all)')
    .option('-y, --yes', 'accept reviews without asking (new capabilities still ask unless given)')
    .option('--force', 'accept a new publisher')
    .option('--allow-capability <cap>', 'grant a capability that needs explicit consent', collect, [])
    .action(async (names: string[], flags: InstallFlags) => {
      await interruptible(async (signal) => {
        const { updatePlugins } = await import('../store/update.js');
        for (const u of await updatePlugins(names, await installOptions(flags, signal))) {
          if (u.kind === 'updated') {
            const { entry, previous } = u.result;
            out(`${u.name}: ${previous?.version ?? '?'} → ${entry.version}, sha256 ${previous?.sha256.slice(0, 12) ?? '?'}… → ${entry.sha256.slice(0, 12)}…`);
          } else {
            const why = { current: 'up to date', pinned: 'pinned (installed as NAME@VERSION); install another version to move it', 'not-from-index': 'installed from a file or URL; install it again to update' }[u.kind];
            out(`${u.name} ${u.version}: ${why}`);
          }
        }
      });
    });

  plugin
    .command('remove')
    .description('uninstall a plugin from the user store')
    .argument('<name>', 'plugin name')
    .action(async (name: string) => {
      const { removePlugin } = await import('../store/remove.js');
      const e = await removePlugin(name, storePaths());
      out(`removed ${e.name} ${e.version}`);
    });

  plugin
    .command('verify')
    .description('hash every installed plugin again and check its signature and the revocation list (exit 1 on any mismatch)')
    .argument('[names...]', 'plugins to check (default: all)')
    .action(async (names: string[]) => {
      const { verifyInstalled } = await import('../store/verify.js');
      const lines = await verifyInstalled(names, storePaths());
      for (const l of lines) out(`${l.ok ? 'ok    ' : 'FAILED'} ${l.plugin.entry.name} ${l.plugin.entry.version} (${l.plugin.scope}): ${l.message}`);
      if (lines.length === 0) out('no plugins installed');
      if (lines.some((l) => !l.ok)) process.exitCode = 1;
    });

  plugin
    .command('list')
    .description('installed and bundled plugins: version, kind, publisher, capabilities, sha256, source, status')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { pluginInventory } = await import('./plugin-list.js');
      const rows = await pluginInventory(storePaths());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const table = [['NAME', 'VERSION', 'KIND', 'PUBLISHER', 'CAPABILITIES', 'SHA256', 'STATUS', 'SOURCE'], ...rows.map((r) => [r.name, r.version, r.kind, r.publisher ?? '-', r.capabilities.join(',') || '-', r.sha256.slice(0, 12), r.status, r.source])];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table) out(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
    });
}
