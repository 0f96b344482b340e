import type { Command } from 'commander';
import { register as config } from './config';
import { register as synth } from './synth';
import { register as check } from './check';
import { register as dev } from './dev';
import { register as cost } from './cost';
import { register as diagram } from './diagram';
import { register as diff } from './diff';
import { register as deploy } from './deploy';
import { register as rollback } from './rollback';
import { register as runJob } from './run-job';
import { register as migrate } from './migrate';
import { register as init } from './init';
import { register as status } from './status';
import { register as logs } from './logs';
import { register as execCommand } from './exec';
import { register as tunnel } from './tunnel';
import { register as failover } from './failover';
import { register as secrets } from './secrets';
import { register as destroy } from './destroy';
import { register as importCommand } from './import';
import { register as bootstrap } from './bootstrap';

/** Every command, in the order `berth --help` lists them. Each file registers one command. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  config,
  synth,
  check,
  dev,
  cost,
  diagram,
  diff,
  deploy,
  rollback,
  runJob,
  migrate,
  status,
  logs,
  execCommand,
  tunnel,
  failover,
  secrets,
  destroy,
  init,
  bootstrap,
  importCommand,
];
