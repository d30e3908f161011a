/**
 * minisign's formats (https://jedisct1.github.io/minisign/) in node:crypto:
 * public keys, secret keys (encrypted or not), signatures (prehashed or
 * legacy). Files written here are read by the `minisign` tool and the other
 * way round. Every refusal is a SignatureError (WASMAP_SIGNATURE).
 */
export { SignatureError } from './signature-error.js';
export { formatPublicKey, parsePublicKey, publicKeyBase64, type PublicKey } from './public-key.js';
export { generateKeyPair, isEncryptedSecretKey, parseSecretKey, type SecretKey } from './secret-key.js';
export { parseSignature, signData, verifySignature, type MinisignSignature } from './signature.js';
