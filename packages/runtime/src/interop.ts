/**
 * `await import()` of a CommonJS package gives its named exports under Node, but only `default` once a bundler
 * (esbuild with code splitting) has put the package in a chunk of its own. Reading both keeps the lazy imports
 * working in the container's bundle as well as from source.
 */
export async function lazy<T extends object>(loading: Promise<T>): Promise<T> {
  const mod = await loading;
  const fallback = (mod as { default?: unknown }).default;
  return fallback && (typeof fallback === 'object' || typeof fallback === 'function')
    ? ({ ...(fallback as object), ...mod } as T)
    : mod;
}
