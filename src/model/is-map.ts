/**
 * A plain map as decoded from msgpack or JSON: an object that is not a list
 * and not bytes (a msgpack `bin` decodes to a Uint8Array). The one test of
 * "is this a map" for plugin output, manifests and events.
 */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
