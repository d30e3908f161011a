import { lookup } from 'node:dns/promises';
import { E } from '../errno.js';
import { encode } from '../msgpack.js';
import { readString, withWall, type HostEnv } from './env.js';

/** ABI §4 `resolve` (needs `dns`): every address of a name, as a msgpack list. */
export function dnsImports(env: HostEnv) {
  return {
    resolve(namePtr: number, nameLen: number, outPtr: number, outCap: number): number | Promise<number> {
      const ctx = env.ctx();
      if (!ctx.hasCapability('dns')) return ctx.deny('resolve needs capability "dns" (add it to plugin.toml capabilities)');
      const name = readString(ctx, namePtr, nameLen, 255);
      if (name === undefined || outCap < 0 || !ctx.view(outPtr, outCap)) return E.INVAL;
      return withWall(
        ctx,
        lookup(name, { all: true }).then(
          (addrs) => {
            const out = encode(addrs.map((a) => a.address));
            if (!ctx.write(outPtr, out.subarray(0, Math.min(outCap, out.length)))) return E.INVAL;
            return out.length;
          },
          () => E.UNREACH,
        ),
      );
    },
  };
}
