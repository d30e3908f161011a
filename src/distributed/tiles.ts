/**
 * A distributed scan's shards: tiles of hosts × ports of the planned target
 * set, about `shardSize` probes each. Whole hosts when they fit, so a tile
 * rarely splits a host; a host with more ports than a shard gets several
 * tiles. Evaluators run at the coordinator, so a split host is still
 * evaluated once, whole.
 */
export interface Tile {
  n: number;
  /** host indexes [from, to) of the target set */
  hosts: [number, number];
  /** indexes [from, to) of the sorted port list */
  ports: [number, number];
}

export const DEFAULT_SHARD_SIZE = 4096;

export function planTiles(hosts: number, ports: number, shardSize: number): Tile[] {
  const tiles: Tile[] = [];
  if (hosts === 0 || ports === 0) return tiles;
  if (ports >= shardSize) {
    for (let h = 0; h < hosts; h++) {
      for (let p = 0; p < ports; p += shardSize) tiles.push({ n: tiles.length, hosts: [h, h + 1], ports: [p, Math.min(ports, p + shardSize)] });
    }
    return tiles;
  }
  const perTile = Math.max(1, Math.floor(shardSize / ports));
  for (let h = 0; h < hosts; h += perTile) tiles.push({ n: tiles.length, hosts: [h, Math.min(hosts, h + perTile)], ports: [0, ports] });
  return tiles;
}

export function tileProbes(t: Tile): number {
  return (t.hosts[1] - t.hosts[0]) * (t.ports[1] - t.ports[0]);
}
