import { describe, expect, it } from 'vitest';
import { DataContext } from '../src/engine/data-context.js';
import { contractOf } from '../src/model/key-contracts.js';

const drain = async (it: AsyncIterable<unknown>, out: unknown[]): Promise<void> => { for await (const x of it) out.push(x); };
const turns = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

describe('DataContext', () => {
  it('replays earlier items to a late reader and ends only when every producer finished', async () => {
    const ctx = new DataContext([
      { nodeId: 'a', module: 'm', keys: ['open_ports'] },
      { nodeId: 'b', module: 'm', keys: ['open_ports'] },
    ]);
    ctx.write('a', 'm', 'open_ports', { port: 1 });
    const got: unknown[] = [];
    let ended = false;
    const reading = drain(ctx.read('open_ports'), got).then(() => { ended = true; });
    ctx.finish('a');
    await turns(3);
    expect([got, ended]).toEqual([[{ port: 1 }], false]);
    ctx.write('b', 'm', 'open_ports', { port: 2 });
    ctx.finish('b');
    await reading;
    expect(got).toEqual([{ port: 1 }, { port: 2 }]);
    expect(ctx.getAll('m.b.open_ports')).toEqual([{ port: 2 }]);
  });

  it('does not let a node wait on its own writes', async () => {
    const ctx = new DataContext([{ nodeId: 'a', module: 'm', keys: ['x'] }]);
    ctx.write('a', 'm', 'x', 1);
    expect(await ctx.all('x', { reader: 'a' })).toEqual([1]);
  });

  it('holds a single item under a key whose contract says one', () => {
    const ctx = new DataContext([{ nodeId: 'a', module: 'm', keys: ['scan_ports'] }]);
    ctx.write('a', 'm', 'scan_ports', { tcp: [22], udp: [] });
    expect(() => ctx.write('a', 'm', 'scan_ports', { tcp: [80], udp: [] })).toThrow(expect.objectContaining({ code: 'WASMAP_DAG' }));
    expect(ctx.getOne('scan_ports')).toEqual({ tcp: [22], udp: [] });
  });

  it('refuses values that are not plain data', () => {
    const ctx = new DataContext([{ nodeId: 'a', module: 'm', keys: ['x'] }]);
    expect(() => ctx.write('a', 'm', 'x', { f: () => 1 })).toThrow(/not plain data/);
  });

  it('gives keys outside the table the type unknown, and namespaced keys their base contract', () => {
    expect(contractOf('tls_certs')).toMatchObject({ type: 'unknown', cardinality: 'many' });
    expect(contractOf('connect_scanner.scan.open_ports')).toMatchObject({ type: 'OpenPort', key: 'connect_scanner.scan.open_ports' });
  });
});
