/**
 * The install-time signature policy: which publisher vouches for these
 * bytes. A signature must come from a trusted, unrevoked key, verify, and
 * carry this plugin's own name, version and sha256 in its trusted comment
 * (so a signed old or different plugin cannot be swapped in).
 */
import { parseClaim } from '../signing/plugin-claim.js';
import { parseSignature, verifySignature } from '../signing/minisign.js';
import type { PluginManifest } from '../sandbox/types.js';
import { trustedKeys, type StoreConfig } from './config.js';
import type { Candidate } from './source.js';
import { StoreError } from './store-error.js';

export interface TrustVerdict {
  publisher?: { name: string; keyId: string };
  warnings: string[];
}

export function checkTrust(c: Candidate, manifest: PluginManifest, sha256: string, cfg: StoreConfig): TrustVerdict {
  const what = `${manifest.name} ${manifest.version}`;
  const required = cfg.requireSignature ?? c.remote;
  if (c.signature === undefined) {
    if (required)
      throw new StoreError(`${what} is not signed, and config.toml requires a signature${c.remote ? ' for plugins from a URL or an index' : ''} (require_signature)`);
    return { warnings: [`${what} is not signed: wasmap cannot tell who made it (its sha256 is pinned in plugins.lock)`] };
  }
  let sig;
  try {
    sig = parseSignature(c.signature);
  } catch (e) {
    throw new StoreError(`${what}: its signature is unreadable: ${(e as Error).message}`);
  }
  if (cfg.revoked.keys.includes(sig.keyId)) throw new StoreError(`${what} is signed by key ${sig.keyId}, which is revoked in config.toml`);
  if (c.expected?.publisherKey && c.expected.publisherKey !== sig.keyId)
    throw new StoreError(`${what} is signed by key ${sig.keyId}, but the index names its publisher's key ${c.expected.publisherKey}`);
  const trusted = trustedKeys(cfg).find((t) => t.key.keyId === sig.keyId);
  if (!trusted) throw new StoreError(`${what} is signed by key ${sig.keyId}, which is not a trusted publisher: add it with \`wasmap plugin trust add NAME KEY\` if you trust it`);
  try {
    verifySignature(c.bytes, sig, trusted.key);
  } catch (e) {
    throw new StoreError(`${what}: signature by ${trusted.publisher.name} (${sig.keyId}) does not verify: ${(e as Error).message}`);
  }
  let claim;
  try {
    claim = parseClaim(sig.trustedComment);
  } catch (e) {
    throw new StoreError(`${what}: the signature's trusted comment is not a wasmap plugin claim (${(e as Error).message}); sign with \`wasmap plugin sign\``);
  }
  const wrong = [
    claim.name !== manifest.name && `name ${claim.name}`,
    claim.version !== manifest.version && `version ${claim.version}`,
    claim.sha256 !== sha256 && `sha256 ${claim.sha256.slice(0, 16)}…`,
  ].filter(Boolean);
  if (wrong.length) throw new StoreError(`${what}: the signature by ${trusted.publisher.name} is for another plugin (${wrong.join(', ')}); refusing a swapped file`);
  return { publisher: { name: trusted.publisher.name, keyId: sig.keyId }, warnings: [] };
}
