import type { ResolvedApp } from '@berthjs/config';
import { stackTemplates } from '../cost/assembly';
import { diagramDot } from './dot';
import { diagramModel } from './model';
import { renderDot } from './render';

export { diagramModel, type DiagramModel, type DiagramNode, type DiagramEdge, type NodeKind } from './model';
export { diagramDot } from './dot';
export { renderDot } from './render';

/** One environment drawn from its synthesized templates, as SVG. */
export async function diagramSvg(resolved: ResolvedApp): Promise<string> {
  return renderDot(diagramDot(diagramModel(stackTemplates(resolved), resolved)));
}
