import type { Command } from 'commander';
import { contractFor } from '@berthjs/config';
import { loadStage } from '@berthjs/config/load';

export function register(program: Command): void {
  program
    .command('config')
    .description('print the resolved config of one environment (profile defaults and overrides applied)')
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--json', 'print JSON')
    .option('--contract', 'also print each service’s contract (env names and secret keys)')
    .action(async (opts: { env: string; config: string; json?: boolean; contract?: boolean }) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const contracts = opts.contract
        ? Object.fromEntries(Object.keys(resolved.services).map((s) => [s, contractFor(resolved, s)]))
        : undefined;
      if (opts.json) {
        console.log(JSON.stringify(contracts ? { ...resolved, contracts } : resolved, null, 2));
        return;
      }
      console.log(
        `${resolved.app} · ${resolved.stage} (profile ${resolved.profile}) · ${resolved.region}${resolved.account ? ` · account ${resolved.account}` : ''}`,
      );
      for (const s of Object.values(resolved.services)) {
        const scale = s.scaling ? `${s.scaling.min}–${s.scaling.max} tasks` : `${s.desiredCount} tasks`;
        console.log(
          `  service ${s.name}: ${s.cpu} vCPU / ${s.memoryMib} MB, ${s.capacity}, ${scale}, port ${s.port}, hosts ${s.hosts.join(', ') || '(default)'}`,
        );
      }
      const db = resolved.database;
      if (db) {
        const size =
          db.engine === 'postgres'
            ? db.instanceClass
            : `${db.minAcu}–${db.maxAcu} ACU${db.autoPause ? `, pauses after ${db.autoPause} min` : ''}`;
        console.log(
          `  database: ${db.engine} ${db.version}, ${size}${db.multiAz ? ', Multi-AZ' : ''}${db.readReplica ? ', read replica' : ''}`,
        );
      }
      if (resolved.cache)
        console.log(
          `  cache: ${resolved.cache.engine} ${resolved.cache.nodeType} × ${resolved.cache.nodes}${resolved.cache.tls ? ', TLS' : ''}`,
        );
      for (const b of Object.values(resolved.buckets))
        console.log(`  bucket ${b.name}${b.intelligentTiering ? ' (intelligent tiering)' : ''}`);
      if (resolved.mail)
        console.log(
          `  mail: ${resolved.mail.from}${resolved.mail.allowList ? ` (allow-list: ${resolved.mail.allowList.join(', ') || 'nobody'})` : ''}`,
        );
      for (const j of Object.values(resolved.jobs))
        console.log(`  job ${j.name}: ${j.schedule} on ${j.service}`);
      console.log(
        `  network: ${resolved.network.azs} AZs, NAT ${resolved.network.nat}; edge: ${resolved.edge.https ? 'HTTPS' : 'HTTP'}${resolved.edge.cdn ? ' via CloudFront' : ''}`,
      );
      console.log(
        `  logs ${resolved.logRetentionDays} days; removal ${resolved.removal}; deletion protection ${resolved.deletionProtection ? 'on' : 'off'}`,
      );
      if (contracts) {
        for (const [name, c] of Object.entries(contracts)) {
          console.log(
            `  contract ${name}: ${c.variables.map((v) => (v.secret ? `${v.name} (secret)` : v.name)).join(', ')}`,
          );
        }
      }
    });
}
