/**
 * What a coordinator and its workers agree on: queue names, Redis keys, the
 * scan plan and the shard result's encoding. The queue name carries the
 * wasmap version, so a worker of another version never takes a shard it
 * could run differently.
 */
import { createRequire } from 'node:module';
import { Packr } from 'msgpackr';
import type { TargetSetPlain } from '../targets/target-set.js';
import type { ScanEvent } from '../model/event.js';
import type { ScanSummary } from '../report/summary.js';
import type { ScanOptions } from '../scan/scan-options.js';
import type { Tile } from './tiles.js';

export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Shards of this version's scans; the parent (scan) jobs live in SCAN_QUEUE. */
export const SHARD_QUEUE = `wasmap-shards-v${VERSION}`;
export const SCAN_QUEUE = `wasmap-scans-v${VERSION}`;
/** Workers name their Redis connections so a coordinator can tell which versions listen. */
export const WORKER_CLIENT_PREFIX = 'wasmap-worker-v';

export const planKey = (scanId: string): string => `wasmap:scan:${scanId}:plan`;
export const pluginKey = (sha256: string): string => `wasmap:plugin:${sha256}`;
export const shardJobId = (scanId: string, n: number): string => `${scanId}-shard${n}`;

/** The scan options a shard runs with: everything but what only the coordinator does (targets, outputs, plugin files). */
export type ShardOptions = Omit<ScanOptions, 'signal' | 'onNotice' | 'onLog' | 'plugins' | 'pluginDirs' | 'inputList' | 'exclude' | 'excludeFile' | 'ports' | 'topPorts' | 'installed' | 'storePaths' | 'installedPlugins' | 'excludeModules' | 'maxTargets' | 'allowLargeScan' | 'dryRun' | 'pluginOutput'>;

export interface ScanPlan {
  scanId: string;
  version: string;
  createdAt: string;
  targets: TargetSetPlain;
  /** sorted TCP ports; shards cut this list */
  ports: number[];
  options: ShardOptions;
  /** every plugin the coordinator loaded, by content: `bundled` ones fill the profile's nodes, `given` ones get nodes of their own */
  plugins: { name: string; version: string; sha256: string; role: 'bundled' | 'given'; signature?: string }[];
  /** modules the coordinator runs itself, on every shard's results (evaluators) */
  evaluators: string[];
  tiles: Tile[];
  /** how the command line looked, for `scan status` */
  command: string;
}

/** DataContext keys a shard hands back for the coordinator's evaluators. */
export const EVALUATOR_KEYS = ['open_ports', 'banners', 'service_fingerprints', 'plugin_results'] as const;

export interface ShardResult {
  shard: number;
  events: ScanEvent[];
  kept: Record<string, unknown[]>;
  summary: ScanSummary;
  /** the worker that ran it */
  worker: string;
}

// Uint8Array values (banners, plugin bytes) survive: JSON would turn them into objects
const packr = new Packr({ useRecords: false, moreTypes: true });

/** BullMQ stores a job's return value as JSON: the result travels as base64 msgpack. */
export function encodeResult(r: ShardResult): string {
  return Buffer.from(packr.pack(r)).toString('base64');
}

export function decodeResult(s: string): ShardResult {
  return packr.unpack(Buffer.from(s, 'base64')) as ShardResult;
}

/** The plan as stored in Redis: JSON, with the target set's bigints kept exact. */
export function encodePlan(plan: ScanPlan): string {
  return JSON.stringify(plan, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function decodePlan(text: string): ScanPlan {
  return JSON.parse(text, (_k, v: unknown) => (v && typeof v === 'object' && '$bigint' in v ? BigInt((v as { $bigint: string }).$bigint) : v)) as ScanPlan;
}
