/**
 * Module config schemas: validation (with defaults filled) and CLI coercion.
 * Standalone on purpose: WASM plugin manifests carry the same schema format,
 * so the plugin loader uses this file without pulling in the engine.
 */
import { UsageError } from '../errors.js';
import { isMap as isPlainMap } from '../model/is-map.js';
import type { ConfigField, ConfigFieldType, ConfigSchema } from './module.js';

export const CONFIG_FIELD_TYPES: readonly ConfigFieldType[] = ['string', 'int', 'float', 'bool', 'list', 'map'];

export type ConfigErrorCode = 'type' | 'range' | 'enum' | 'required' | 'unknown-key';

export interface ConfigError {
  /** the config key at fault (`''` when the whole config is not a map) */
  key: string;
  code: ConfigErrorCode;
  message: string;
  /** what the caller's `where(key)` returned, e.g. `file:line` */
  where?: string;
}

export interface ConfigResult {
  /** the input with defaults filled; keys with errors keep their input value */
  value: Record<string, unknown>;
  errors: ConfigError[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return Number.isInteger(v) ? `int ${v}` : `float ${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'boolean') return `bool ${v}`;
  if (typeof v === 'object') return 'map';
  return typeof v;
}

function hasType(t: ConfigFieldType, v: unknown): boolean {
  switch (t) {
    case 'string': return typeof v === 'string';
    // beyond 2^53 an int is no longer exact, so it is not one
    case 'int': return typeof v === 'number' && Number.isSafeInteger(v);
    // an int is a valid float: YAML and msgpack write 2.0 as 2
    case 'float': return typeof v === 'number' && Number.isFinite(v);
    case 'bool': return typeof v === 'boolean';
    case 'list': return Array.isArray(v);
    case 'map': return isPlainMap(v);
  }
}

/** Levenshtein distance, for "did you mean" on unknown keys */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function suggest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestD) { bestD = d; best = k; }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

function checkValue(key: string, f: ConfigField, v: unknown, push: (code: ConfigErrorCode, msg: string) => void): void {
  if (!hasType(f.type, v)) {
    push('type', `config key "${key}": expected ${f.type}${f.type === 'list' && f.items ? ` of ${f.items}` : ''}, got ${describe(v)}`);
    return;
  }
  const scalars: Array<{ v: unknown; label: string }> = [];
  if (f.type === 'list') {
    const list = v as unknown[];
    for (let i = 0; i < list.length; i++) {
      if (f.items && !hasType(f.items, list[i])) {
        push('type', `config key "${key}" item ${i}: expected ${f.items}, got ${describe(list[i])}`);
        return;
      }
      scalars.push({ v: list[i], label: `config key "${key}" item ${i}` });
    }
  } else {
    scalars.push({ v, label: `config key "${key}"` });
  }
  for (const s of scalars) {
    if (typeof s.v === 'number') {
      if (f.min !== undefined && s.v < f.min) { push('range', `${s.label}: ${s.v} is below the minimum ${f.min}`); return; }
      if (f.max !== undefined && s.v > f.max) { push('range', `${s.label}: ${s.v} is above the maximum ${f.max}`); return; }
    }
    if (f.enum && !f.enum.some((e) => e === s.v)) {
      push('enum', `${s.label}: ${JSON.stringify(s.v)} is not one of ${f.enum.map((e) => JSON.stringify(e)).join(', ')}`);
      return;
    }
  }
}

/**
 * Validates `input` against `schema`: type (int vs float, list item types),
 * min/max, enum, required, unknown keys. Reports every problem, not only the
 * first, and fills defaults for absent keys.
 */
export function validateConfig(schema: ConfigSchema, input: unknown, where?: (key: string) => string): ConfigResult {
  const errors: ConfigError[] = [];
  const push = (key: string, code: ConfigErrorCode, message: string): void => {
    const w = where?.(key);
    errors.push(w === undefined ? { key, code, message } : { key, code, message, where: w });
  };
  if (input !== undefined && input !== null && !isPlainMap(input)) {
    push('', 'type', `config: expected a map, got ${describe(input)}`);
    return { value: {}, errors };
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(given)) {
    const f = schema[key];
    if (!f) {
      const hint = suggest(key, Object.keys(schema));
      const known = Object.keys(schema);
      push(key, 'unknown-key', `unknown config key "${key}"${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (known: ${known.join(', ')})` : ' (this module takes no config)'}`);
      continue;
    }
    checkValue(key, f, v, (code, msg) => push(key, code, msg));
    value[key] = v;
  }
  for (const [key, f] of Object.entries(schema)) {
    if (key in given) continue;
    if (f.default !== undefined) value[key] = structuredClone(f.default);
    else if (f.required) push(key, 'required', `config key "${key}" is required (${f.type}${f.description ? `: ${f.description}` : ''})`);
  }
  return { value, errors };
}

/**
 * Checks a schema itself (a plugin manifest's comes from untrusted bytes):
 * returns one message per problem, empty when the schema is usable.
 */
export function checkSchema(schema: unknown): string[] {
  const problems: string[] = [];
  if (!isPlainMap(schema)) return ['config schema must be a map of name → field'];
  for (const [key, raw] of Object.entries(schema)) {
    if (!isPlainMap(raw)) { problems.push(`"${key}": field must be a map`); continue; }
    const f = raw as Partial<ConfigField> & Record<string, unknown>;
    const before = problems.length;
    for (const k of Object.keys(f)) {
      if (!['type', 'default', 'description', 'min', 'max', 'enum', 'required', 'items'].includes(k)) problems.push(`"${key}": unknown field attribute "${k}"`);
    }
    if (!CONFIG_FIELD_TYPES.includes(f.type as ConfigFieldType)) { problems.push(`"${key}": type must be one of ${CONFIG_FIELD_TYPES.join(', ')}`); continue; }
    if (f.items !== undefined && (f.type !== 'list' || !CONFIG_FIELD_TYPES.includes(f.items))) problems.push(`"${key}": items is only for a list, and must be a field type`);
    if (f.min !== undefined && typeof f.min !== 'number') problems.push(`"${key}": min must be a number`);
    if (f.max !== undefined && typeof f.max !== 'number') problems.push(`"${key}": max must be a number`);
    if (f.enum !== undefined && !Array.isArray(f.enum)) problems.push(`"${key}": enum must be a list`);
    if (f.required !== undefined && typeof f.required !== 'boolean') problems.push(`"${key}": required must be a bool`);
    if (f.description !== undefined && typeof f.description !== 'string') problems.push(`"${key}": description must be a string`);
    if (f.default !== undefined && problems.length === before) {
      const field = f as ConfigField;
      checkValue(key, field, f.default, (_c, msg) => problems.push(`default of ${msg}`));
    }
  }
  return problems;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** Turns the text of a CLI value into the field's type; throws UsageError naming the key. */
export function coerceConfigValue(key: string, raw: string, field: Pick<ConfigField, 'type' | 'items'> | undefined): unknown {
  const bad = (what: string): never => { throw new UsageError(`config ${key}=${raw}: expected ${what}`); };
  const one = (t: ConfigFieldType, s: string): unknown => {
    switch (t) {
      case 'string': return s;
      case 'int': return /^[+-]?\d+$/.test(s.trim()) ? Number(s) : bad('an int');
      case 'float': {
        const n = Number(s);
        return s.trim() !== '' && Number.isFinite(n) ? n : bad('a number');
      }
      case 'bool': {
        const l = s.trim().toLowerCase();
        return TRUE.has(l) ? true : FALSE.has(l) ? false : bad('a bool (true/false)');
      }
      case 'list': {
        if (s.trim().startsWith('[')) {
          let v: unknown;
          try { v = JSON.parse(s); } catch { return bad('a list (a,b,c or a JSON list)'); }
          return Array.isArray(v) ? v : bad('a list');
        }
        if (s.trim() === '') return [];
        return s.split(',').map((p) => one(field?.items ?? 'string', p.trim()));
      }
      case 'map': {
        let v: unknown;
        try { v = JSON.parse(s); } catch { return bad('a JSON map like {"a":1}'); }
        return isPlainMap(v) ? v : bad('a JSON map');
      }
    }
  };
  // an unknown key stays a string: validation then reports it as unknown
  return field ? one(field.type, raw) : raw;
}

/**
 * Parses `key=value`, coercing by the schema's type for `key`: the one reader
 * of every config flag (`dag --set`, `scan --plugin-config`, `plugin test
 * --config`), so they all accept and refuse the same values. Throws
 * UsageError on a missing `=` or an uncoercible value.
 */
export function parseConfigAssignment(text: string, schema?: ConfigSchema): { key: string; value: unknown } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`bad config assignment "${text}": expected key=value`);
  const key = text.slice(0, eq).trim();
  if (key === '') throw new UsageError(`bad config assignment "${text}": empty key`);
  return { key, value: coerceConfigValue(key, text.slice(eq + 1), schema?.[key]) };
}
