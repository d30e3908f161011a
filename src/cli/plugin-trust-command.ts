/**
 * `wasmap plugin trust add|list|remove|revoke` and `wasmap plugin index
 * add|list|remove`: the trust policy in config.toml (src/store/config.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { forTerminal } from '../report/terminal-text.js';
import { parsePublicKey } from '../signing/minisign.js';
import { readConfig, writeConfig, type StoreConfig } from '../store/config.js';
import { storePaths } from '../store/paths.js';
import { StoreError } from '../store/store-error.js';

const out = (line: string) => process.stdout.write(`${forTerminal(line)}\n`);

async function editConfig(change: (cfg: StoreConfig) => Promise<string> | string): Promise<void> {
  const file = storePaths().configFile;
  const cfg = await readConfig(file);
  const said = await change(cfg);
  await writeConfig(file, cfg);
  out(`${said} (${file})`);
}

/** A key given as the base64 line or as a minisign .pub file. */
async function keyArg(arg: string): Promise<string> {
  if (/^RW[A-Za-z0-9+/=]{40,}$/.test(arg.trim())) return arg.trim();
  let text: string;
  try {
    text = await readFile(arg, 'utf8');
  } catch (e) {
    throw new StoreError(`${arg}: neither a minisign public key (RW…) nor a readable .pub file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const line = text.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('untrusted comment:'));
  return (line ?? '').trim();
}

export function registerPluginTrustCommands(plugin: Command): void {
  const trust = plugin.command('trust').description('publishers whose signed plugins you install (config.toml [[trusted_publishers]])');
  trust
    .command('add')
    .argument('<name>', 'a name for the publisher')
    .argument('<key>', 'their minisign public key (RW…) or .pub file')
    .action(async (name: string, keyText: string) => {
      const key = await keyArg(keyText);
      const { keyId } = parsePublicKey(key);
      await editConfig((cfg) => {
        const same = cfg.trustedPublishers.find((p) => parsePublicKey(p.key).keyId === keyId);
        if (same) throw new StoreError(`key ${keyId} is already trusted as ${same.name}`);
        if (cfg.revoked.keys.includes(keyId)) throw new StoreError(`key ${keyId} is revoked in config.toml; remove it from [revoked] first`);
        cfg.trustedPublishers.push({ name, key });
        return `trusted ${name} (key ${keyId})`;
      });
    });
  trust
    .command('list')
    .action(async () => {
      const cfg = await readConfig(storePaths().configFile);
      for (const p of cfg.trustedPublishers) out(`${parsePublicKey(p.key).keyId}  ${p.name}  ${p.key}`);
      for (const k of cfg.revoked.keys) out(`${k}  REVOKED key`);
      for (const s of cfg.revoked.sha256) out(`${s}  REVOKED plugin file`);
      if (!cfg.trustedPublishers.length) out('no trusted publishers');
    });
  trust
    .command('remove')
    .argument('<name-or-key-id>')
    .action(async (which: string) => {
      await editConfig((cfg) => {
        const i = cfg.trustedPublishers.findIndex((p) => p.name === which || parsePublicKey(p.key).keyId === which.toUpperCase());
        if (i < 0) throw new StoreError(`no trusted publisher named or with key id '${which}'`);
        const [p] = cfg.trustedPublishers.splice(i, 1);
        return `no longer trusted: ${p!.name} (plugins it signed now refuse to load; see wasmap plugin verify)`;
      });
    });
  trust
    .command('revoke')
    .description('refuse a key (16 hex digits) or a plugin file (64 hex digits sha256) from now on, installed ones included')
    .argument('<key-id-or-sha256>')
    .action(async (what: string) => {
      await editConfig((cfg) => {
        if (/^[0-9a-f]{64}$/i.test(what)) {
          cfg.revoked.sha256 = [...new Set([...cfg.revoked.sha256, what.toLowerCase()])];
          return `revoked plugin file ${what.toLowerCase()}`;
        }
        if (/^[0-9a-f]{16}$/i.test(what)) {
          cfg.revoked.keys = [...new Set([...cfg.revoked.keys, what.toUpperCase()])];
          return `revoked key ${what.toUpperCase()}`;
        }
        throw new StoreError(`'${what}' is neither a key id (16 hex digits) nor a sha256 (64 hex digits)`);
      });
    });

  const index = plugin.command('index').description('plugin indexes that NAME[@VERSION] installs look up (config.toml [[indexes]])');
  index
    .command('add')
    .argument('<url>', 'http(s) URL of an index JSON document')
    .action(async (url: string) => {
      const { fetchIndex } = await import('../store/plugin-index.js');
      await editConfig(async (cfg) => {
        if (cfg.indexes.some((i) => i.url === url)) throw new StoreError(`index ${url} is already configured`);
        // read it now: a wrong URL or a bad document is found here, not at the first install
        const idx = await fetchIndex(url, { maxBytes: 4 << 20, timeoutMs: 30_000, allowRedirectHosts: cfg.allowRedirectHosts });
        cfg.indexes.push({ url });
        return `added index ${url} (${idx.plugins.size} plugin${idx.plugins.size === 1 ? '' : 's'})`;
      });
    });
  index
    .command('list')
    .action(async () => {
      const cfg = await readConfig(storePaths().configFile);
      for (const i of cfg.indexes) out(i.url);
      if (!cfg.indexes.length) out('no indexes');
    });
  index
    .command('remove')
    .argument('<url>')
    .action(async (url: string) => {
      await editConfig((cfg) => {
        const i = cfg.indexes.findIndex((x) => x.url === url);
        if (i < 0) throw new StoreError(`index ${url} is not configured`);
        cfg.indexes.splice(i, 1);
        return `removed index ${url}`;
      });
    });
}
