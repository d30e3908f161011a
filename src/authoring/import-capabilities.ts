/**
 * Host imports that work only with a capability (ABI §6, docs/plugins.md
 * "Capabilities"). A module that links one without declaring the capability
 * gets EDENIED on every call: nearly always a line missing from plugin.toml,
 * so `plugin build` and `plugin info` say so before a scan does.
 */

interface Need {
  /** any one of these grants the import */
  grantedBy: readonly string[];
  /** what every call does without it */
  effect: string;
}

const NETWORK: Need = { grantedBy: ['network', 'network:any'], effect: 'every connection will be denied (EDENIED)' };

export const IMPORT_CAPABILITIES: ReadonlyMap<string, Need> = new Map([
  ['wasmap.tcp_connect', NETWORK],
  ['wasmap.udp_open', NETWORK],
  ['wasmap.tls_upgrade', NETWORK],
  ['wasmap.resolve', { grantedBy: ['dns'], effect: 'every lookup will be denied (EDENIED)' }],
  ['wasmap.browse', { grantedBy: ['browser'], effect: 'every render will be denied (EDENIED)' }],
]);

/**
 * One line per missing capability, naming the imports that need it:
 * `imports wasmap.tcp_connect but plugin.toml declares no "network" capability: …`.
 * `source` names where capabilities are declared (`plugin.toml`, `its manifest`).
 */
export function capabilityWarnings(imports: readonly string[], capabilities: readonly string[], source = 'plugin.toml'): string[] {
  // in the table's order, so the lines read the same whatever order the module imports in
  const missing = new Map<Need, string[]>();
  for (const [name, need] of IMPORT_CAPABILITIES) {
    if (!imports.includes(name) || need.grantedBy.some((c) => capabilities.includes(c))) continue;
    missing.set(need, [...(missing.get(need) ?? []), name]);
  }
  return [...missing].map(([need, names]) => `imports ${names.join(', ')} but ${source} declares no "${need.grantedBy[0]}" capability: ${need.effect}`);
}
