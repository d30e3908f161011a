// Tests for {{name}}: builds it from source as `wasmap plugin build` does and
// runs it in wasmap's real plugin runtime on banners.
//   npm install   (once: links the wasmap that created this plugin)
//   npm test
import assert from 'node:assert/strict';
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

const detect = (banner, config = {}) =>
  plugin.run({ target: '127.0.0.1:7', config, context: { banner: Buffer.from(banner, 'latin1') } });

describe('{{name}}', () => {
  it('names the service when the banner starts with the configured prefix', async () => {
    const r = await detect('HELLO world\r\n');
    assert.equal(r.status, 'success');
    assert.deepEqual(r.service, { name: '{{name}}', confidence: 0.5, extrainfo: 'world' });
    assert.equal(r.summary, 'banner starts with HELLO');
    assert.deepEqual(r.data, { banner_bytes: 13 });
  });

  it('stays silent on other banners and follows its config', async () => {
    assert.equal((await detect('SSH-2.0-OpenSSH_9.2p1\r\n')).service, undefined);
    assert.equal((await detect('SSH-2.0-OpenSSH_9.2p1\r\n', { prefix: 'SSH-' })).service?.name, '{{name}}');
  });
});
