// The layer rule (scripts/check-layers.mjs) runs before every build; this
// proves it holds for src/ today and that it does catch an upward import.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { upwardImports } from '../scripts/check-layers.mjs';

const SRC = join(import.meta.dirname, '..', 'src');
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('layers', () => {
  it('src/ has no import from a higher layer', () => {
    expect(upwardImports(SRC)).toEqual([]);
  });

  it('an upward import and an unplaced folder are both reported', () => {
    const copy = join(tmp, 'src');
    cpSync(SRC, copy, { recursive: true });
    writeFileSync(join(copy, 'net', 'bad.ts'), "import { runDag } from '../engine/dag-executor.js';\nexport const x = runDag;\n");
    cpSync(join(copy, 'net'), join(copy, 'stray'), { recursive: true });
    const problems: string[] = upwardImports(copy);
    expect(problems).toContain('src/net/bad.ts imports ../engine/dag-executor.js: layer "net" may not import from the higher layer "engine"');
    expect(problems.some((p) => p.startsWith('src/stray/') && p.includes('in no layer'))).toBe(true);
  });
});
