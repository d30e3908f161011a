// nmap's formats carry untrusted plugin text: the XML stays valid and reads
// back the same text (less what XML 1.0 cannot carry), its structure stays
// bounded, and the normal output never hands a raw escape to a terminal.
// Loopback only: one listener of this test and a canned plugin matched to it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { listen, type Listener } from '../support/listeners.js';
import { cannedPlugin } from '../sandbox/helpers/canned.js';

const NASTY = 'a\x00b\x1b[31mred\x07 ]]> "quoted" <tag> & \u202e\r\nline2\ttab';

describe('hostile plugin text in nmap formats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-nmap-hostile-'));
  let target: Listener;
  beforeAll(async () => {
    target = await listen('127.0.0.1', { greet: 'hello\r\n' });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10; i++) deep = { down: deep };
    writeFileSync(join(dir, 'evil.wasm'), cannedPlugin({
      manifest: { abi: 1, name: 'evil', version: '1.0.0', kind: 'scanner', match: { ports: [target.port] } },
      emits: [{
        data: { [`k${NASTY}`]: NASTY, bin: new Uint8Array([0, 1, 2, 255]), text: new TextEncoder().encode('hello'), deep, many: Array.from({ length: 500 }, (_, i) => i) },
        summary: `sum\x1b]0;title\x07 <b>&`,
        findings: [{ id: 'evil-1', title: `t\x1b[2J`, severity: 'high' }],
      }],
    }));
  });
  afterAll(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes valid XML that reads back the text, bounded, and a normal output with no raw control bytes', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', String(target.port), '-Pn', '-q', '--plugin', join(dir, 'evil.wasm'), '-oX', join(dir, 'e.xml'), '-oN', join(dir, 'e.nmap'), '-oG', join(dir, 'e.gnmap')]);
    expect(r.code, r.stderr).toBe(0);
    const lint = spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', join(dir, 'e.xml')], { encoding: 'utf8' });
    expect(lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    const py = `
import json, sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).find(".//port/script[@id='wasmap']/table[@key='evil']")
elems = {e.get('key'): e.text for e in t.findall('elem')}
many = t.find("table[@key='many']")
deep = t.find("table[@key='deep']")
depth = 0
while deep is not None and deep.find("table[@key='down']") is not None:
    deep = deep.find("table[@key='down']"); depth += 1
print(json.dumps({'elems': elems, 'many': [e.text for e in many], 'many_keys': [e.get('key') for e in many],
  'depth': depth, 'deepest': deep.find('elem').text, 'output': ET.parse(sys.argv[1]).find(".//port/script[@id='wasmap']").get('output')}))`;
    const read = spawnSync('/usr/bin/python3', ['-c', py, join(dir, 'e.xml')], { encoding: 'utf8' });
    expect(read.stderr).toBe('');
    const got = JSON.parse(read.stdout);
    // C0 controls but tab, CR and LF cannot be in XML 1.0: dropped; the rest comes back as it was
    const kept = NASTY.replace(/[\x00\x1b\x07]/g, '');
    expect(got.elems[`k${kept}`]).toBe(kept);
    expect(got.elems.bin).toBe('000102ff');
    expect(got.elems.text).toBe('hello');
    expect(got.many).toHaveLength(101);
    expect(got.many.slice(0, 3)).toEqual(['0', '1', '2']);
    expect(got.many_keys.at(-1)).toBe('truncated');
    expect(got.many.at(-1)).toBe('400 more entries not shown');
    // 6 levels of tables, then the rest as JSON text
    expect(got.depth).toBeLessThan(10);
    expect(JSON.parse(got.deepest)).toHaveProperty('down');
    expect(got.output).toContain('evil: sum]0;title <b>&');
    expect(got.output).toContain('[HIGH] t[2J (evil-1)');

    for (const ext of ['nmap', 'gnmap']) {
      const text = readFileSync(join(dir, `e.${ext}`), 'utf8');
      expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    }
    expect(readFileSync(join(dir, 'e.nmap'), 'utf8')).toContain('| evil: sum\\x1b]0;title\\x07 <b>&');
  });
});
