import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/sandbox/index.js';
import { validateManifest } from '../../src/sandbox/manifest.js';

const manifest = validateManifest({
  abi: 1,
  name: 'cfg',
  version: '0.1.0',
  kind: 'scanner',
  config: {
    probe: { type: 'string', default: 'GET / HTTP/1.0\r\n\r\n' },
    retries: { type: 'int', default: 2, min: 0, max: 5 },
    mode: { type: 'string', enum: ['fast', 'full'] },
    token: { type: 'string', required: true },
    ratio: { type: 'float' },
    paths: { type: 'list', items: 'string', default: ['/'] },
  },
});

describe('validateConfig', () => {
  it('names every problem at once', () => {
    let message = '';
    try {
      validateConfig(manifest, { retries: 99, bogus: 1 });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('config key "retries": 99 is above the maximum 5');
    expect(message).toContain('unknown config key "bogus"');
    expect(message).toContain('config key "token" is required');
  });

  it('fills defaults and keeps given values', () => {
    expect(validateConfig(manifest, { token: 't', retries: 4 })).toEqual({ probe: 'GET / HTTP/1.0\r\n\r\n', retries: 4, token: 't', paths: ['/'] });
  });

  it.each([
    [{ token: 't', retry: 1 }, /unknown config key "retry"/],
    [{}, /config key "token" is required/],
    [{ token: 't', retries: 1.5 }, /config key "retries": expected int, got float 1.5/],
    [{ token: 't', retries: 9 }, /config key "retries": 9 is above the maximum 5/],
    [{ token: 't', retries: -1 }, /config key "retries": -1 is below the minimum 0/],
    [{ token: 't', mode: 'slow' }, /config key "mode": "slow" is not one of "fast", "full"/],
    [{ token: 't', ratio: 'high' }, /config key "ratio": expected float/],
    [{ token: 't', paths: '/' }, /config key "paths": expected list/],
    [{ token: 't', paths: ['/', 3] }, /config key "paths" item 1: expected string/],
  ])('throws a UsageError naming the key (%#)', (cfg, why) => {
    let err: { code?: string; message?: string } = {};
    try {
      validateConfig(manifest, cfg);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('WASMAP_USAGE');
    expect(err.message).toMatch(why);
  });
});
