import { describe, expect, it } from 'vitest';
import { defineApp, resolve, type AppConfig } from '@berthjs/config';
import { jobDevCommand, migrateDevCommand } from '../src/session/commands';

const base = {
  name: 'talent',
  region: 'us-east-1',
  services: { api: { dev: { command: ['node', '--import', 'tsx', 'src/server.ts'] } } },
  database: { engine: 'postgres', version: '16.13', name: 'talent' },
  environments: { dev: {} },
};
const app = (extra: Record<string, unknown>) => resolve(defineApp({ ...base, ...extra } as AppConfig), 'dev');

describe('job commands in berth dev', () => {
  it("runs a job's devCommand, else the service's dev command with the job name appended", () => {
    const resolved = app({
      jobs: {
        a: {
          schedule: 'rate(1 hour)',
          command: ['node', 'dist/job.js', 'a'],
          devCommand: ['node', 'job.ts', 'a'],
        },
        b: { schedule: 'rate(1 hour)', command: ['node', 'dist/job.js', 'b'] },
      },
    });
    expect(jobDevCommand(resolved, resolved.jobs.a!)).toEqual(['node', 'job.ts', 'a']);
    expect(jobDevCommand(resolved, resolved.jobs.b!)).toEqual([
      'node',
      '--import',
      'tsx',
      'src/server.ts',
      'b',
    ]);
  });

  it('derives migrate from a job devCommand that ends with its own name', () => {
    const resolved = app({
      jobs: {
        'send-reminders': {
          schedule: 'rate(1 hour)',
          command: ['node', 'dist/job.js', 'send-reminders'],
          devCommand: ['node', '--import', 'tsx', 'src/job.ts', 'send-reminders'],
        },
      },
    });
    expect(migrateDevCommand(resolved)).toEqual({
      service: 'api',
      command: ['node', '--import', 'tsx', 'src/job.ts', 'migrate'],
    });
  });

  it('prefers a declared migrate job, and falls back to the service dev command', () => {
    const declared = app({
      jobs: {
        migrate: {
          schedule: 'rate(1 day)',
          command: ['x'],
          devCommand: ['npm', 'run', 'migrate'],
          enabled: false,
        },
      },
    });
    expect(migrateDevCommand(declared)?.command).toEqual(['npm', 'run', 'migrate']);
    expect(migrateDevCommand(app({}))?.command).toEqual([
      'node',
      '--import',
      'tsx',
      'src/server.ts',
      'migrate',
    ]);
  });

  it('runs no migration for an app without a database', () => {
    expect(migrateDevCommand(app({ database: undefined }))).toBeUndefined();
  });
});
