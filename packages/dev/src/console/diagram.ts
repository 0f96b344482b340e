import type { ResolvedApp } from '@berthjs/config';

/**
 * The app's architecture as Graphviz DOT: internet → router (the ALB locally) → services → database, cache,
 * buckets and mail, and each job with its schedule pointing at the service whose image and env it runs with.
 */
export function architectureDot(resolved: ResolvedApp, options: { routerLabel?: string } = {}): string {
  const lines: string[] = [];
  // Labels carry DOT's own `\n` line breaks, so only quotes are escaped.
  const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
  const node = (id: string, label: string, attrs: string) =>
    lines.push(`  ${q(id)} [label=${q(label)}, ${attrs}];`);
  const edge = (from: string, to: string, attrs = '') =>
    lines.push(`  ${q(from)} -> ${q(to)}${attrs ? ` [${attrs}]` : ''};`);

  lines.push(`digraph ${q(resolved.app)} {`);
  lines.push('  rankdir=LR; bgcolor="transparent"; fontname="Helvetica"; nodesep=0.35; ranksep=0.7;');
  lines.push(
    '  node [fontname="Helvetica", fontsize=11, style="rounded,filled", fillcolor="#ffffff", color="#5b6b7f"];',
  );
  lines.push('  edge [fontname="Helvetica", fontsize=9, color="#7a8797"];');

  node('internet', 'internet', 'shape=ellipse, fillcolor="#eef2f7"');
  node('router', options.routerLabel ?? 'router (ALB)', 'shape=box, fillcolor="#fff4d6"');
  edge('internet', 'router');

  for (const s of Object.values(resolved.services)) {
    const id = `service:${s.name}`;
    node(
      id,
      `${s.name}\\n${s.cpu} vCPU · ${s.memoryMib} MB${s.isDefault ? '\\n(default)' : ''}`,
      'shape=box, fillcolor="#dff0ff"',
    );
    const hosts = s.hostRules.map((h) => (h.includes('.') ? h : `${h}.*`));
    edge('router', id, `label=${q([...hosts, ...s.paths].join('\\n') || 'default')}`);
    if (resolved.database && s.uses.database) edge(id, 'database');
    if (resolved.cache && s.uses.cache) edge(id, 'cache', 'style=dashed');
    for (const b of s.uses.buckets) edge(id, `bucket:${b}`);
    if (resolved.mail && s.uses.mail) edge(id, 'mail');
  }

  const db = resolved.database;
  if (db) {
    const size = db.engine === 'postgres' ? db.instanceClass : `${db.minAcu}–${db.maxAcu} ACU`;
    node(
      'database',
      `${db.name}\\n${db.engine} ${db.version}\\n${size}`,
      'shape=cylinder, fillcolor="#e3f6e3"',
    );
  }
  if (resolved.cache) {
    node(
      'cache',
      `cache\\n${resolved.cache.engine} ${resolved.cache.nodeType}`,
      'shape=cylinder, fillcolor="#fde8e8"',
    );
  }
  for (const b of Object.values(resolved.buckets)) {
    node(`bucket:${b.name}`, `bucket ${b.name}`, 'shape=folder, fillcolor="#f3e8fd"');
  }
  if (resolved.mail) node('mail', `mail (SES)\\n${resolved.mail.domain}`, 'shape=note, fillcolor="#fff0e0"');

  for (const j of Object.values(resolved.jobs)) {
    const id = `job:${j.name}`;
    node(
      id,
      `job ${j.name}\\n${j.schedule}${j.enabled ? '' : '\\n(disabled)'}`,
      'shape=component, fillcolor="#f0f0f0"',
    );
    edge('scheduler', id, 'style=dotted');
    edge(id, `service:${j.service}`, 'style=dotted, label="runs as"');
  }
  if (Object.keys(resolved.jobs).length > 0)
    node('scheduler', 'scheduler\\n(EventBridge)', 'shape=ellipse, fillcolor="#eef2f7"');

  lines.push('}');
  return `${lines.join('\n')}\n`;
}

let graphviz: Promise<{ dot(source: string): string }> | undefined;

/** Renders DOT to SVG with Graphviz compiled to WebAssembly (no `dot` binary needed). Loaded on first use. */
export async function renderSvg(dot: string): Promise<string> {
  graphviz ??= import('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load());
  return (await graphviz).dot(dot);
}
