/**
 * The DataContext: one append-only stream per key. Readers first get the
 * items already there, then each new one as it is written, and finish when
 * every producer of the key has finished (or failed). There is no barrier:
 * a consumer works on the first open port while the scanner still runs.
 *
 * Each write by node N of module M to key K is also recorded under `M.N.K`,
 * so a consumer can require one instance's output when a module appears in
 * several nodes; the plain key is the union.
 */
import { WasmapError } from '../errors.js';
import { contractOf, namespacedKey, parseNamespacedKey } from '../model/key-contracts.js';
import { storeItem, viewOf, type StoredItem } from './freeze.js';

export interface ProducerDecl {
  nodeId: string;
  module: string;
  /** the keys this node writes (plain names) */
  keys: Iterable<string>;
}

export interface ReadOptions {
  /** the reading node: its own writes never hold its read open */
  reader?: string;
  signal?: AbortSignal;
}

class Channel {
  readonly items: StoredItem[] = [];
  readonly pending = new Set<string>();
  #wake: (() => void) | undefined;
  #changed: Promise<void> | undefined;

  constructor(readonly key: string) {}

  doneFor(reader?: string): boolean {
    for (const p of this.pending) if (p !== reader) return false;
    return true;
  }

  push(s: StoredItem): void {
    this.items.push(s);
    this.#notify();
  }

  finish(nodeId: string): void {
    if (this.pending.delete(nodeId)) this.#notify();
  }

  /** resolves at the next push or finish; rejects with the abort reason */
  changed(signal?: AbortSignal): Promise<void> {
    if (!this.#changed) this.#changed = new Promise<void>((resolve) => { this.#wake = resolve; });
    const p = this.#changed;
    if (!signal) return p;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void p.then(() => { signal.removeEventListener('abort', onAbort); resolve(); });
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    this.#changed = undefined;
    wake?.();
  }
}

export class DataContext {
  readonly #channels = new Map<string, Channel>();
  readonly #byProducer = new Map<string, Channel[]>();
  /** keys whose items are stored; others pass through (no node reads them) */
  readonly #retain: ((key: string) => boolean) | undefined;

  /**
   * `retain` says which keys to store (default: all). A scan stores only what
   * some node reads, so memory follows what the DAG needs, not how many
   * results the scan produced (events stream to the writers instead).
   */
  constructor(producers: Iterable<ProducerDecl> = [], retain?: (key: string) => boolean) {
    this.#retain = retain;
    for (const p of producers) {
      const list: Channel[] = [];
      for (const key of p.keys) {
        for (const k of [key, namespacedKey(p.module, p.nodeId, key)]) {
          const ch = this.#channel(k);
          ch.pending.add(p.nodeId);
          list.push(ch);
        }
      }
      this.#byProducer.set(p.nodeId, [...(this.#byProducer.get(p.nodeId) ?? []), ...list]);
    }
  }

  #channel(key: string): Channel {
    let ch = this.#channels.get(key);
    if (!ch) { ch = new Channel(key); this.#channels.set(key, ch); }
    return ch;
  }

  /**
   * Appends `item` to `key` (and to `module.nodeId.key`); returns the frozen
   * item as stored. Throws WASMAP_DAG on a second write to a `one` key.
   */
  write<T>(nodeId: string, module: string, key: string, item: T): Readonly<T> {
    const who = `module "${module}" (node "${nodeId}")`;
    if (!this.retains(key)) return viewOf<T>(storeItem(item, who, key)); // checked and frozen, then let go
    const ch = this.#channel(key);
    if (contractOf(key).cardinality === 'one' && ch.items.length > 0) {
      throw new WasmapError('WASMAP_DAG', `${who} wrote "${key}" twice; it holds a single item`);
    }
    const stored = storeItem(item, who, key);
    ch.push(stored);
    this.#channel(namespacedKey(module, nodeId, key)).push(stored);
    return viewOf<T>(stored);
  }

  /** whether items of `key` (plain or namespaced) are stored */
  retains(key: string): boolean {
    return this.#retain === undefined || this.#retain(key) || this.#retain(parseNamespacedKey(key)?.key ?? key);
  }

  /** marks `nodeId` finished: every key it produced closes once its other producers finish too */
  finish(nodeId: string): void {
    for (const ch of this.#byProducer.get(nodeId) ?? []) ch.finish(nodeId);
  }

  /** whether any node other than `reader` was declared as a producer of `key` */
  hasProducers(key: string, reader?: string): boolean {
    for (const [nodeId, channels] of this.#byProducer) {
      if (nodeId !== reader && channels.some((c) => c.key === key)) return true;
    }
    return false;
  }

  /** Streams `key` (items already there first); ends when every producer but `reader` finished. */
  async *read<T>(key: string, opts: ReadOptions = {}): AsyncGenerator<Readonly<T>, void, undefined> {
    const ch = this.#channel(key);
    let i = 0;
    for (;;) {
      while (i < ch.items.length) {
        opts.signal?.throwIfAborted();
        yield viewOf<T>(ch.items[i++]!);
      }
      if (ch.doneFor(opts.reader)) return;
      await ch.changed(opts.signal);
    }
  }

  /** every item of `key`, once its producers (but `reader`) finished */
  async all<T>(key: string, opts: ReadOptions = {}): Promise<ReadonlyArray<Readonly<T>>> {
    const ch = this.#channel(key);
    while (!ch.doneFor(opts.reader)) await ch.changed(opts.signal);
    return this.getAll<T>(key);
  }

  /** a snapshot of the items written so far */
  getAll<T>(key: string): ReadonlyArray<Readonly<T>> {
    const ch = this.#channels.get(key);
    return Object.freeze((ch?.items ?? []).map((s) => viewOf<T>(s)));
  }

  /** the single item of `key`, undefined when there is none; throws WASMAP_DAG when there are several */
  getOne<T>(key: string): Readonly<T> | undefined {
    const ch = this.#channels.get(key);
    if (!ch || ch.items.length === 0) return undefined;
    if (ch.items.length > 1) throw new WasmapError('WASMAP_DAG', `"${key}" holds ${ch.items.length} items, expected one`);
    return viewOf<T>(ch.items[0]!);
  }

  count(key: string): number {
    return this.#channels.get(key)?.items.length ?? 0;
  }

  /** keys that hold at least one item */
  keys(): string[] {
    return [...this.#channels.values()].filter((c) => c.items.length > 0).map((c) => c.key).sort();
  }

  /** item counts per key, so JSON.stringify(summary) stays small */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.keys().map((k) => [k, this.count(k)]));
  }
}
