// Tests for {{name}}: builds it from source as `wasmap plugin build` does and
// runs it in wasmap's real plugin runtime on what a scan found on one host.
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

/** The DataContext of a host with `n` open TCP ports, as a scan hands it over. */
const host = (n) => ({
  asset: { ip: '127.0.0.1' },
  open_ports: Array.from({ length: n }, (_, i) => ({ ip: '127.0.0.1', port: 1000 + i, transport: 'tcp', reason: 'syn-ack' })),
  service_fingerprints: [],
});

describe('{{name}}', () => {
  it('reports a host with more open ports than max_open_ports', async () => {
    const r = await plugin.run({ config: { max_open_ports: 2 }, context: host(3) });
    assert.equal(r.status, 'success');
    assert.deepEqual(r.findings, [{ id: '{{name}}-many-open-ports', title: 'More than 2 open ports', severity: 'low', evidence: '3 open ports on 127.0.0.1' }]);
    assert.equal(r.summary, '3 open ports, more than 2');
    assert.deepEqual(r.data, { ip: '127.0.0.1', open_ports: 3 });
  });

  it('finds nothing below the threshold', async () => {
    const r = await plugin.run({ context: host(3) });
    assert.equal(r.findings, undefined);
    assert.equal(r.summary, undefined);
  });
});
