/**
 * The trusted comment of a plugin signature names what was signed:
 *   wasmap-plugin name=<name> version=<version> sha256=<64 hex>
 * so a valid signature of an older or another plugin cannot vouch for this
 * one. Tokens are separated by single spaces; tokens after the claim (such
 * as `timestamp:<unix>`) are allowed and ignored.
 */
import { SignatureError } from './signature-error.js';

export interface PluginClaim {
  name: string;
  version: string;
  sha256: string;
}

const TAG = 'wasmap-plugin';
// a plugin name or version never holds spaces or '=' (the manifest allows less than this)
const VALUE_RE = /^[A-Za-z0-9._+-]+$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

function check(c: PluginClaim): void {
  if (!VALUE_RE.test(c.name)) throw new SignatureError(`plugin claim: bad name ${JSON.stringify(c.name)}`);
  if (!VALUE_RE.test(c.version)) throw new SignatureError(`plugin claim: bad version ${JSON.stringify(c.version)}`);
  if (!SHA256_RE.test(c.sha256)) throw new SignatureError('plugin claim: sha256 is not 64 lower-case hex digits');
}

export function formatClaim(c: PluginClaim): string {
  check(c);
  return `${TAG} name=${c.name} version=${c.version} sha256=${c.sha256}`;
}

/** SignatureError if the trusted comment is not a wasmap-plugin claim. */
export function parseClaim(trustedComment: string): PluginClaim {
  const [tag, name, version, sha256] = trustedComment.split(' ');
  if (tag !== TAG || !name?.startsWith('name=') || !version?.startsWith('version=') || !sha256?.startsWith('sha256=')) {
    throw new SignatureError(`trusted comment is not a plugin claim ("${TAG} name=… version=… sha256=…")`);
  }
  const claim = { name: name.slice(5), version: version.slice(8), sha256: sha256.slice(7) };
  check(claim);
  return claim;
}
