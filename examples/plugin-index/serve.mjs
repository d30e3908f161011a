#!/usr/bin/env node
/**
 * A plugin index on loopback, made the way a publisher makes one: build
 * examples/redis-info, sign it with a publisher key (made once, minisign's
 * format), write index.json, and serve the folder over HTTP on 127.0.0.1.
 *
 *   node examples/plugin-index/serve.mjs [--port 8600] [--dir DIR]
 *
 * Then, as a user (the lines it prints):
 *   wasmap plugin trust add "wasmap examples" DIR/publisher.pub
 *   wasmap plugin index add http://127.0.0.1:8600/index.json
 *   wasmap plugin install redis-info
 *   wasmap scan 127.0.0.1 -p 6379
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const { values } = parseArgs({ options: { port: { type: 'string', default: '8600' }, dir: { type: 'string', default: join(tmpdir(), 'wasmap-plugin-index') } } });
const dir = resolve(values.dir);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`serve.mjs: --port must be 0-65535\n`);
  process.exit(2);
}
mkdirSync(dir, { recursive: true });

const wasmap = (...args) => execFileSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

// 1. the release: built from source, then signed (the trusted comment names name, version and sha256)
const wasm = join(dir, 'redis-info-0.1.0.wasm');
wasmap('plugin', 'build', join(root, 'examples/redis-info'), '-o', wasm, '-q');
const pub = join(dir, 'publisher.pub');
const key = join(dir, 'publisher.key');
if (!existsSync(key)) wasmap('plugin', 'keygen', '--no-password', '-p', pub, '-s', key);
wasmap('plugin', 'sign', wasm, '-s', key);

// 2. the index entry
const bytes = readFileSync(wasm);
const manifest = JSON.parse(wasmap('plugin', 'info', wasm, '--json')).manifest;
const index = {
  schema: 1,
  plugins: {
    [manifest.name]: {
      description: manifest.description,
      versions: {
        [manifest.version]: {
          url: basename(wasm),
          sha256: createHash('sha256').update(bytes).digest('hex'),
          signature: readFileSync(`${wasm}.minisig`, 'utf8'),
          publisher: { name: 'wasmap examples', key: readFileSync(pub, 'utf8').trim().split('\n').pop().trim() },
        },
      },
    },
  },
};
writeFileSync(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);

// 3. served from this folder only, on loopback only
const files = new Set(['index.json', basename(wasm), `${basename(wasm)}.minisig`, 'publisher.pub']);
const server = createServer((req, res) => {
  const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
  if (!files.has(name)) return res.writeHead(404).end('not found\n');
  res.writeHead(200, { 'content-type': name.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(readFileSync(join(dir, name)));
});
server.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/index.json`;
  process.stdout.write(`serving ${url}\n`);
  process.stdout.write(`  wasmap plugin trust add "wasmap examples" ${pub}\n  wasmap plugin index add ${url}\n  wasmap plugin install redis-info\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
