import { relative } from 'node:path';
import type { ResolvedApp } from '@berthjs/config';
import type { LoadedConfig } from '@berthjs/config/load';
import type { Scheduler } from '../scheduler/scheduler';
import type { ServiceProcess } from '../session/service';
import { wafSummary } from '../router/rate-limit';
import { display } from '../session/state';
import type { Terminal } from './terminal';

/** The URL a service answers on through the router: its first host label, else localhost. */
export function serviceUrl(resolved: ResolvedApp, name: string, routerPort: number): string {
  const service = resolved.services[name]!;
  const label = service.hostRules[0];
  const host = label ? (label.includes('.') ? label : `${label}.localhost`) : 'localhost';
  return `http://${host}:${routerPort}`;
}

export interface SummaryInput {
  readonly resolved: ResolvedApp;
  readonly loaded: LoadedConfig;
  readonly stateDir: string;
  readonly routerPort: number;
  /** The one-time sign-in URL of the console (`/_berth/login?token=…`). */
  readonly consoleUrl?: string;
  readonly services: ReadonlyMap<string, ServiceProcess>;
  readonly scheduler: Scheduler | undefined;
  /** When the run began, for the "is up" time. */
  readonly startedAt: number;
  /** The PostgreSQL berth dev runs, when the app has a database. */
  readonly database?: { readonly running: string; readonly mismatch?: string };
}

/** What `berth dev` prints once the app is up: where each service answers, the token command, the next job runs. */
export function printSummary(term: Terminal, input: SummaryInput): void {
  const { resolved, loaded, stateDir, routerPort, services, scheduler } = input;
  term.done(term.paint(1, `${resolved.app} is up`), Date.now() - input.startedAt);
  // The console is the developer's: its one-time sign-in URL (it sets this browser's cookie, then /_berth).
  const rows: [string, string][] = [
    [
      'console',
      input.consoleUrl
        ? `${input.consoleUrl}  (one-time sign-in, then http://localhost:${routerPort}/_berth)`
        : `http://localhost:${routerPort}/_berth`,
    ],
  ];
  for (const s of Object.values(resolved.services)) {
    const proc = services.get(s.name);
    const status = proc && proc.status !== 'healthy' ? `  (${proc.status})` : '';
    rows.push([
      s.name,
      `${serviceUrl(resolved, s.name, routerPort)}${s.isDefault ? `  (also http://localhost:${routerPort})` : ''}${status}`,
    ]);
  }
  if (resolved.auth) {
    const config = relative(process.cwd(), loaded.path) || loaded.path;
    const state = relative(process.cwd(), stateDir) === '.berth' ? '' : ` --state ${display(stateDir)}`;
    rows.push([
      'token',
      `npx berth dev token --config ${config}${state} --sub user-1 --email you@example.com [--role …]`,
    ]);
  }
  if (input.database)
    rows.push([
      'database',
      input.database.mismatch ?? `PostgreSQL ${input.database.running}, as the config says`,
    ]);
  const waf = wafSummary(resolved.edge.waf);
  if (waf) rows.push(['waf', waf]);
  for (const j of scheduler?.views() ?? []) {
    if (j.nextRun)
      rows.push([`job`, `${j.name}: ${j.schedule}, next ${j.nextRun.replace('T', ' ').slice(0, 16)} UTC`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) term.line(`  ${term.paint(90, k.padEnd(width))}  ${v}`);
  term.line(term.paint(90, `  Ctrl-C stops everything; data stays in ${display(stateDir)}/`));
}
