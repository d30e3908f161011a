// Tests for {{name}}: builds it from source as `wasmap plugin build` does and
// runs it in wasmap's real plugin runtime against loopback servers.
//   npm install   (once: links the wasmap that created this plugin)
//   npm test
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildPlugin, openPlugin } from 'wasmap/testing';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));

let plugin;
before(async () => {
  const { path } = await buildPlugin(pluginDir);
  plugin = await openPlugin(path);
});
after(() => plugin?.close());

/** A loopback server that greets each client with `greeting` and answers a probe line with ECHO. */
async function greeter(greeting) {
  const server = createServer((s) => {
    s.on('error', () => {});
    if (greeting) s.write(greeting);
    s.on('data', (d) => s.end(`ECHO ${d.toString()}`));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: server.address().port };
}

describe('{{name}}', () => {
  it('reports the first line a service sends, as data and as its summary', async () => {
    const { server, port } = await greeter('HELLO from a test server\r\nsecond line\r\n');
    try {
      const r = await plugin.run({ target: `127.0.0.1:${port}` });
      assert.equal(r.status, 'success');
      assert.deepEqual(r.data, { banner: 'HELLO from a test server', port });
      assert.equal(r.summary, 'HELLO from a test server');
    } finally {
      server.close();
    }
  });

  it('sends its probe first when configured', async () => {
    const { server, port } = await greeter('');
    try {
      const r = await plugin.run({ target: `127.0.0.1:${port}`, config: { probe: 'PING\r\n' } });
      assert.deepEqual(r.data, { banner: 'ECHO PING', port });
    } finally {
      server.close();
    }
  });

  it('says connection-refused for a closed port', async () => {
    const { server, port } = await greeter('');
    await new Promise((r) => server.close(r));
    const r = await plugin.run({ target: `127.0.0.1:${port}` });
    assert.equal(r.status, 'connection-refused');
    assert.equal(r.error, 'ECONNREFUSED');
  });
});
