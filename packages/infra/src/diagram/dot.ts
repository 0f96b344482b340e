import type { DiagramModel, DiagramNode, NodeKind } from './model';

const STYLE: Readonly<Record<NodeKind, string>> = {
  internet: 'shape=ellipse, fillcolor="#eef2f7"',
  cdn: 'shape=box, fillcolor="#fff4d6"',
  loadBalancer: 'shape=box, fillcolor="#fff4d6"',
  service: 'shape=box, fillcolor="#dff0ff"',
  database: 'shape=cylinder, fillcolor="#e3f6e3"',
  cache: 'shape=cylinder, fillcolor="#fde8e8"',
  bucket: 'shape=folder, fillcolor="#f3e8fd"',
  mail: 'shape=note, fillcolor="#fff0e0"',
  scheduler: 'shape=ellipse, fillcolor="#eef2f7"',
  job: 'shape=component, fillcolor="#f0f0f0"',
  bastion: 'shape=box, fillcolor="#ececec"',
  alarms: 'shape=note, fillcolor="#ffe9e9"',
  nat: 'shape=box, fillcolor="#f6f6f6", fontsize=9',
  waf: 'shape=hexagon, fillcolor="#fde2c8"',
};

/** Escapes a label for a DOT double-quoted string; newlines become DOT's centred line breaks. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The model as Graphviz DOT: one cluster per stack (the standby region labelled so), left to right. */
export function diagramDot(model: DiagramModel): string {
  const lines: string[] = [];
  lines.push(`digraph ${q(model.title)} {`);
  lines.push(`  label=${q(model.title)}; labelloc=t; fontsize=14;`);
  lines.push(
    '  rankdir=LR; bgcolor="transparent"; fontname="Helvetica"; nodesep=0.35; ranksep=0.7; compound=true;',
  );
  lines.push(
    '  node [fontname="Helvetica", fontsize=11, style="rounded,filled", fillcolor="#ffffff", color="#5b6b7f"];',
  );
  lines.push('  edge [fontname="Helvetica", fontsize=9, color="#7a8797"];');
  const nodeLine = (n: DiagramNode, indent: string) =>
    `${indent}${q(n.id)} [label=${q(n.label)}, ${STYLE[n.kind]}${n.missing ? ', style="rounded,dashed"' : ''}];`;
  for (const n of model.nodes.filter((n) => !n.stack)) lines.push(nodeLine(n, '  '));
  model.stacks.forEach((s, i) => {
    lines.push(`  subgraph ${q(`cluster_${i}`)} {`);
    lines.push(
      `    label=${q(s.standby ? `standby region ${s.region} (${s.stackName})` : `${s.stackName} · ${s.region}`)}; style="rounded${s.standby ? ',dashed' : ''}"; color="#9aa7b5"; fontsize=11;`,
    );
    for (const n of model.nodes.filter((n) => n.stack === s.stackName)) lines.push(nodeLine(n, '    '));
    lines.push('  }');
  });
  for (const e of model.edges) {
    const attrs = [
      e.label ? `label=${q(e.label)}` : '',
      e.style && e.style !== 'solid' ? `style=${e.style}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${q(e.from)} -> ${q(e.to)}${attrs ? ` [${attrs}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
