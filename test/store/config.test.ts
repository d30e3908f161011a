// config.toml's [revoked] keys: ids as a user pastes them from minisign,
// which prints them without leading zeros (%PRIX64), match wasmap's 16 digits.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/store/config.js';
import { formatPublicKey, parsePublicKey } from '../../src/signing/public-key.js';

describe('config.toml [revoked] keys', () => {
  it('compares a key id printed without leading zeros, or in lower case, as its 16 digits', () => {
    const cfg = parseConfig('[revoked]\nkeys = ["ABC123DEF456789", "00ab"]\n', 'config.toml');
    expect(cfg.revoked.keys).toEqual(['0ABC123DEF456789', '00000000000000AB']);
    // the id of a key whose top byte is zero, as parsed from its key line, is the same string
    const pub = parsePublicKey(formatPublicKey({ keyId: '0ABC123DEF456789', key: Buffer.alloc(32, 7) }));
    expect(cfg.revoked.keys).toContain(pub.keyId);
  });
});
