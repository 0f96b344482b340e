let graphviz: Promise<{ dot(source: string): string }> | undefined;

/** DOT → SVG with Graphviz compiled to WebAssembly: no `dot` binary needed. The module loads on first use. */
export async function renderDot(dot: string): Promise<string> {
  graphviz ??= import('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load());
  return (await graphviz).dot(dot);
}
