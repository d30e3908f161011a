// Tests for {{name}}: builds it from source as `wasmap plugin build` does and
// runs it in wasmap's real plugin runtime on a scan's events.
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

describe('{{name}}', () => {
  it('writes one CSV line per event', async () => {
    const events = [
      { origin: { type: 'portscan', module: 'portscan', ts: 1, ip: '127.0.0.1', port: 22, job_id: '' }, target: { ip: '127.0.0.1', port: 22 }, result: { data: {} } },
      { origin: { type: 'plugin', module: 'x', ts: 2, ip: '127.0.0.1', port: 80, job_id: '' }, target: { ip: '127.0.0.1', port: 80 }, result: { data: {}, status: 'success' } },
    ];
    const r = await plugin.run({ context: { events } });
    assert.equal(r.status, 'success');
    assert.equal(r.data, 'ip,port,type,status\n127.0.0.1,22,portscan,\n127.0.0.1,80,plugin,success\n');
  });
});
