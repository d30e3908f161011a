/**
 * `wasmap plugin keygen|sign`: a publisher's keys and signatures, in the
 * files the `minisign` tool reads and writes (same default paths). The
 * password comes from WASMAP_KEY_PASSWORD, else from the terminal (no echo);
 * with neither, keygen needs --no-password and sign refuses an encrypted key.
 * Bad input is one line, exit 2.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { forTerminal } from '../report/terminal-text.js';

const PASSWORD_ENV = 'WASMAP_KEY_PASSWORD';

/** minisign's default secret key: $MINISIGN_CONFIG_DIR/minisign.key, else ~/.minisign/minisign.key. */
async function defaultSecretKeyFile(): Promise<string> {
  const [{ homedir }, { join }] = await Promise.all([import('node:os'), import('node:path')]);
  return join(process.env.MINISIGN_CONFIG_DIR ?? join(homedir(), '.minisign'), 'minisign.key');
}

function errnoText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

async function newKeyPassword(): Promise<string> {
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) throw new UsageError(`a password is needed for the secret key: set ${PASSWORD_ENV}, run on a terminal, or use --no-password`);
  const { askPassword } = await import('./password-prompt.js');
  const first = await askPassword('Password for the new secret key: ');
  if (first === '') throw new UsageError('empty password: use --no-password for a key without one');
  if ((await askPassword('Password (again): ')) !== first) throw new UsageError('the two passwords differ');
  return first;
}

async function existingKeyPassword(file: string): Promise<string> {
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) throw new UsageError(`${file} is encrypted: set ${PASSWORD_ENV} or run on a terminal`);
  const { askPassword } = await import('./password-prompt.js');
  return askPassword(`Password for ${file}: `);
}

type Minisign = typeof import('../signing/minisign.js');

/** The secret key in `text`, read from `file`; its refusals (malformed, wrong password) name the file. */
async function openSecretKey(m: Minisign, text: string, file: string): Promise<ReturnType<Minisign['parseSecretKey']>> {
  try {
    return m.parseSecretKey(text, m.isEncryptedSecretKey(text) ? await existingKeyPassword(file) : undefined);
  } catch (e) {
    if (e instanceof m.SignatureError) throw new m.SignatureError(`${file}: ${e.message}`);
    throw e;
  }
}

interface KeygenOptions { publicKey: string; secretKey?: string; password: boolean; force?: boolean }
interface SignOptions { secretKey?: string; output?: string; legacy?: boolean }

async function keygen(opts: KeygenOptions): Promise<void> {
  const [{ existsSync }, { mkdir, writeFile, chmod, unlink }, { dirname }, { generateKeyPair }] = await Promise.all([
    import('node:fs'), import('node:fs/promises'), import('node:path'), import('../signing/minisign.js'),
  ]);
  const pubFile = opts.publicKey;
  const keyFile = opts.secretKey ?? (await defaultSecretKeyFile());
  if (!opts.force) {
    for (const f of [pubFile, keyFile]) if (existsSync(f)) throw new UsageError(`${f} already exists (--force overwrites it)`);
  }
  const password = opts.password ? await newKeyPassword() : undefined;
  if (password !== undefined) process.stderr.write('deriving a key from the password (scrypt, 1 GiB, a few seconds)...\n');
  const pair = generateKeyPair(password);
  const flag = opts.force ? 'w' : 'wx';
  try {
    await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
    await writeFile(keyFile, pair.secretKeyText, { mode: 0o600, flag });
    await chmod(keyFile, 0o600); // an overwritten file keeps its old mode otherwise
  } catch (e) {
    throw new UsageError(`cannot write ${keyFile}: ${errnoText(e)}`);
  }
  try {
    await writeFile(pubFile, pair.publicKeyText, { mode: 0o644, flag });
  } catch (e) {
    await unlink(keyFile).catch(() => undefined); // no secret key without its public key
    throw new UsageError(`cannot write ${pubFile}: ${errnoText(e)}`);
  }
  const b64 = pair.publicKeyText.split('\n')[1]!;
  const lines = [
    `key id      ${pair.publicKey.keyId}`,
    `public key  ${b64}`,
    `public      ${pubFile}`,
    `secret      ${keyFile} (${password === undefined ? 'NOT encrypted' : 'encrypted'}; keep it secret)`,
  ];
  process.stdout.write(`${lines.map(forTerminal).join('\n')}\n`);
}

async function sign(path: string, opts: SignOptions): Promise<void> {
  const [{ readFile, writeFile }, { createHash }, { loadPlugin }, minisign, { formatClaim }] = await Promise.all([
    import('node:fs/promises'), import('node:crypto'), import('../sandbox/plugin.js'), import('../signing/minisign.js'), import('../signing/plugin-claim.js'),
  ]);
  // the runtime's own checks: only a plugin that would load gets signed, with its manifest's name and version
  const plugin = await loadPlugin(path);
  const bytes = await readFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== plugin.sha256) throw new UsageError(`${path} changed while it was being signed`);
  const keyFile = opts.secretKey ?? (await defaultSecretKeyFile());
  let keyText: string;
  try {
    keyText = await readFile(keyFile, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the secret key ${keyFile}: ${errnoText(e)}${opts.secretKey ? '' : ' (create one with wasmap plugin keygen, or give -s)'}`);
  }
  const key = await openSecretKey(minisign, keyText, keyFile);
  const { name, version } = plugin.manifest;
  const trustedComment = `${formatClaim({ name, version, sha256 })} timestamp:${Math.floor(Date.now() / 1000)}`;
  const sigText = minisign.signData(bytes, key, { trustedComment }, { legacy: opts.legacy });
  const out = opts.output ?? `${path}.minisig`;
  try {
    await writeFile(out, sigText);
  } catch (e) {
    throw new UsageError(`cannot write ${out}: ${errnoText(e)}`);
  }
  const lines = [
    `signed      ${name} ${version} sha256 ${sha256}`,
    `key id      ${key.keyId}`,
    `signature   ${out}${opts.legacy ? ' (legacy, not prehashed)' : ''}`,
  ];
  process.stdout.write(`${lines.map(forTerminal).join('\n')}\n`);
}

export function registerPluginSignCommands(plugin: Command): void {
  plugin
    .command('keygen')
    .description('create a minisign key pair to sign plugins with (minisign reads and writes the same files)')
    .option('-p, --public-key <file>', 'public key file', 'minisign.pub')
    .option('-s, --secret-key <file>', 'secret key file (default ~/.minisign/minisign.key, as minisign)')
    .option('--no-password', 'do not encrypt the secret key')
    .option('-f, --force', 'overwrite existing key files')
    .action(keygen);

  plugin
    .command('sign')
    .description('sign a plugin: FILE.minisig whose trusted comment names the plugin, its version and sha256')
    .argument('<plugin>', '.wasm file')
    .option('-s, --secret-key <file>', 'secret key file (default ~/.minisign/minisign.key, as minisign)')
    .option('-o, --output <file>', 'signature file (default PLUGIN.minisig)')
    .option('--legacy', "minisign's legacy signature (signs the file, not its BLAKE2b-512 hash)")
    .action(sign);
}
