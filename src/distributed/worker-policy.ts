/**
 * A worker's own plugin-store policy, where it has one (config.toml): the
 * hash check is always made; on top of it a worker refuses plugins whose
 * sha256 or signing key its config revokes, and with `require_signature =
 * true` any plugin that is not the coordinator's bundled set must carry a
 * signature by a publisher this worker trusts, over its own name, version
 * and sha256 (the signature travels in the plan).
 */
import { existsSync } from 'node:fs';
import { WasmapError } from '../errors.js';
import { parseClaim } from '../signing/plugin-claim.js';
import { parseSignature, verifySignature } from '../signing/minisign.js';
import { readConfig, trustedKeys, type StoreConfig } from '../store/config.js';
import type { StorePaths } from '../store/paths.js';
import type { ScanPlan } from './protocol.js';

export class WorkerPolicyError extends WasmapError {
  constructor(message: string) {
    super('WASMAP_SIGNATURE', message);
    this.name = 'WorkerPolicyError';
  }
}

/** The worker's config, or undefined when it has none (then the hash check is the whole policy). */
export async function workerPolicy(paths: StorePaths): Promise<StoreConfig | undefined> {
  return existsSync(paths.configFile) ? readConfig(paths.configFile) : undefined;
}

/** Throws WorkerPolicyError naming the first plugin this worker refuses; `bytes` gives a plugin's hash-checked bytes. */
export async function checkPlanPlugins(plan: ScanPlan, cfg: StoreConfig | undefined, bytes: (p: ScanPlan['plugins'][number]) => Promise<Uint8Array>): Promise<void> {
  if (!cfg) return;
  for (const p of plan.plugins) {
    const what = `plugin ${p.name} ${p.version}`;
    if (cfg.revoked.sha256.includes(p.sha256)) throw new WorkerPolicyError(`${what}: its sha256 is revoked in this worker's config.toml`);
    let keyId: string | undefined;
    if (p.signature) {
      const sig = parseSignature(p.signature);
      keyId = sig.keyId;
      if (cfg.revoked.keys.includes(sig.keyId)) throw new WorkerPolicyError(`${what}: signed by key ${sig.keyId}, which this worker's config.toml revokes`);
    }
    if (!cfg.requireSignature || p.role === 'bundled') continue;
    if (!p.signature) throw new WorkerPolicyError(`${what} is not signed, and this worker's config.toml requires a signature`);
    const trusted = trustedKeys(cfg).find((t) => t.key.keyId === keyId);
    if (!trusted) throw new WorkerPolicyError(`${what}: signed by key ${keyId}, which this worker does not trust`);
    const sig = parseSignature(p.signature);
    const claim = parseClaim(sig.trustedComment);
    if (claim.name !== p.name || claim.version !== p.version || claim.sha256 !== p.sha256) throw new WorkerPolicyError(`${what}: its signature is for another plugin`);
    try {
      verifySignature(await bytes(p), sig, trusted.key);
    } catch (e) {
      throw new WorkerPolicyError(`${what}: signature by ${trusted.publisher.name} does not verify (${(e as Error).message})`);
    }
  }
}
