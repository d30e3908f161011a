/**
 * URL of a compiled worker entry. Worker threads need JavaScript files; when
 * this module runs from TypeScript sources (vitest), the same relative path
 * under `dist/` is used instead, so `npm run build` must have run.
 */
export function workerUrl(relative: string, from: string): URL {
  const url = new URL(relative, from);
  if (from.endsWith('.ts')) {
    return new URL(url.href.replace('/src/', '/dist/').replace(/\.ts$/, '.js'));
  }
  return url;
}
