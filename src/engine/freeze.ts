/**
 * Read-only items. A write is cloned (the producer may reuse its object) and
 * deep-frozen, so consumers share one copy safely. Bytes cannot be frozen in
 * JavaScript, so an item holding a Uint8Array is handed to each reader as its
 * own frozen copy: a reader scribbling on banner bytes changes nothing others see.
 */
import { WasmapError } from '../errors.js';

export interface StoredItem {
  value: unknown;
  /** holds typed arrays, so readers get a copy each */
  binary: boolean;
}

function deepFreeze(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return true;
  if (Object.isFrozen(v)) return false;
  Object.freeze(v);
  let binary = false;
  for (const k of Object.keys(v)) {
    if (deepFreeze((v as Record<string, unknown>)[k])) binary = true;
  }
  return binary;
}

/** Clones and freezes `item`; throws WASMAP_DAG for values that are not plain data. */
export function storeItem(item: unknown, who: string, key: string): StoredItem {
  let value: unknown;
  try {
    value = structuredClone(item);
  } catch (e) {
    throw new WasmapError('WASMAP_DAG', `${who} wrote a value to "${key}" that is not plain data (${(e as Error).message})`);
  }
  const binary = deepFreeze(value);
  return { value, binary };
}

/** The read-only view of a stored item one reader receives. */
export function viewOf<T>(s: StoredItem): Readonly<T> {
  if (!s.binary) return s.value as Readonly<T>;
  const copy = structuredClone(s.value);
  deepFreeze(copy);
  return copy as Readonly<T>;
}
