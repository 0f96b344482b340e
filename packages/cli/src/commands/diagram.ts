import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';

export function register(program: Command): void {
  program
    .command('diagram')
    .description(
      'draw one environment from its synthesized template as SVG (offline; Graphviz as WebAssembly)',
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('-o, --out <file>', 'write the SVG here (default: <app>-<stage>.svg)')
    .option('--dot', 'print the Graphviz DOT source instead of writing SVG')
    .action(async (opts: { env: string; config: string; out?: string; dot?: boolean }) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const { diagramDot, diagramModel, renderDot, stackTemplates } = await import('@berthjs/infra');
      const model = diagramModel(stackTemplates(resolved), resolved);
      const dot = diagramDot(model);
      if (opts.dot) {
        process.stdout.write(dot);
        return;
      }
      const svg = await renderDot(dot);
      const out = opts.out ?? `${resolved.app}-${resolved.stage}.svg`;
      writeFileSync(out, svg);
      const counts = model.nodes.reduce<Record<string, number>>((acc, n) => {
        acc[n.kind] = (acc[n.kind] ?? 0) + 1;
        return acc;
      }, {});
      console.log(
        `${resolved.app} · ${resolved.stage}: ${out} (${Object.entries(counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')})`,
      );
    });
}
