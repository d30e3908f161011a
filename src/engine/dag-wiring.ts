/**
 * Who feeds whom. A node's `requires` are satisfied by every node that
 * `provides` the key (a namespaced `M.N.K` only by node N of module M). Every
 * module emits `events`, except those that read `events` (reporters): counting
 * them as producers would make two reporters wait for each other forever.
 */
import type { ModuleDescriptor } from './module.js';
import type { DagNode } from './dag.js';
import { EVENTS_KEY, parseNamespacedKey } from '../model/key-contracts.js';

export interface WiredNode {
  node: DagNode;
  descriptor: ModuleDescriptor;
}

/** the plain keys `d` writes, `events` included unless it reads events */
export function writtenKeys(d: ModuleDescriptor): string[] {
  const keys = new Set(d.provides);
  if (!d.requires.includes(EVENTS_KEY)) keys.add(EVENTS_KEY);
  else keys.delete(EVENTS_KEY);
  return [...keys];
}

/** the nodes whose writes reach `key`, `reader` itself excluded */
export function producersOf(key: string, nodes: readonly WiredNode[], reader?: WiredNode): WiredNode[] {
  const ns = parseNamespacedKey(key);
  return nodes.filter((w) => {
    if (w === reader) return false;
    if (ns) return w.node.id === ns.node && w.descriptor.name === ns.module && writtenKeys(w.descriptor).includes(ns.key);
    return writtenKeys(w.descriptor).includes(key);
  });
}
