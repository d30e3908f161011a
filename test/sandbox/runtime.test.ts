import { describe, expect, it } from 'vitest';
import { PluginRuntime } from '../../src/sandbox/index.js';
import { testRuntime } from './helpers/fixtures.js';
import { compileWat } from './helpers/wat.js';

/** The error `p` rejects with (the test fails if it resolves). */
async function rejection(p: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message?: string };
  }
  throw new Error('expected a rejection');
}

describe('PluginRuntime', () => {
  it('rejects caller errors with a UsageError: a bad config key, a scanner without a target', async () => {
    const rt = testRuntime({ workers: 1 });
    try {
      const echo = await rt.load(compileWat('echo-line'));
      const badKey = await rejection(rt.invoke(echo, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, config: { lines: 'x' } }));
      expect(badKey).toMatchObject({ code: 'WASMAP_USAGE', message: expect.stringContaining('unknown config key "lines"') });
      const noTarget = await rejection(rt.invoke(echo, {}));
      expect(noTarget).toMatchObject({ code: 'WASMAP_USAGE', message: expect.stringContaining('needs a target') });
      expect(rt.validateConfig(echo, {})).toEqual({ line: 'HELLO' });
    } finally {
      await rt.close();
    }
  });

  it('refuses a malformed allowNet entry', () => {
    expect(() => new PluginRuntime({ allowNet: ['127.0.0.1:99999'] })).toThrow(/invalid allow-net entry "127.0.0.1:99999"/);
  });

  it('runs a plugin loaded with loadPlugin elsewhere, and refuses work once closed', async () => {
    const { loadPlugin } = await import('../../src/sandbox/index.js');
    const p = await loadPlugin(compileWat('banner-match'));
    const rt = testRuntime({ workers: 1 });
    const r = await rt.invoke(p, { target: { ip: '127.0.0.1', port: 22, transport: 'tcp' }, context: { banner: new Uint8Array(Buffer.from('SSH-2.0-x')) } });
    expect(r.service).toEqual({ name: 'ssh' });
    expect(r.produced).toBe(true);
    const none = await rt.invoke(p, { target: { ip: '127.0.0.1', port: 22, transport: 'tcp' }, context: { banner: new Uint8Array(Buffer.from('220 ftp')) } });
    expect(none).toMatchObject({ status: 'success', produced: false, emitted: [] });
    rt.unload(p); // forgotten: the next invoke registers it again
    expect((await rt.invoke(p, { target: { ip: '127.0.0.1', port: 22, transport: 'tcp' }, context: { banner: new Uint8Array(Buffer.from('SSH-1')) } })).service).toEqual({ name: 'ssh' });
    await rt.close();
    expect(await rejection(rt.invoke(p, { target: { ip: '127.0.0.1', port: 22, transport: 'tcp' } }))).toMatchObject({ code: 'WASMAP_INTERNAL' });
  });
});
