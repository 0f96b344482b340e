import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRuntime, defineJob, runJob } from '../src/index';
import { contractEnv } from '../../../test/support';
import { captureLog } from './support/log';

function runtimeWithLog() {
  const { log: logger, lines } = captureLog({ service: 'api' });
  return { runtime: createRuntime({ env: contractEnv(), logger }), lines };
}

describe('jobs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runJob runs the named job once and returns 0, logging duration and outcome', async () => {
    const { runtime, lines } = runtimeWithLog();
    let runs = 0;
    const jobs = [
      defineJob({
        name: 'send-reminders',
        schedule: 'cron(0 9 * * ? *)',
        run: async ({ log, signal }) => void (runs++, log.info({ aborted: signal.aborted }, 'working')),
      }),
    ];
    expect(await runJob('send-reminders', jobs, runtime)).toBe(0);
    expect(runs).toBe(1);
    expect(lines.find((l) => l.msg === 'job: succeeded')).toMatchObject({
      job: 'send-reminders',
      outcome: 'succeeded',
      ms: expect.any(Number),
    });
    await runtime.close();
  });

  it('a failing job → 1, the error in the log; an unknown name → 2', async () => {
    const { runtime, lines } = runtimeWithLog();
    const jobs = [defineJob({ name: 'boom', run: async () => Promise.reject(new Error('smtp down')) })];
    expect(await runJob('boom', jobs, runtime)).toBe(1);
    expect(JSON.stringify(lines.find((l) => l.msg === 'job: failed'))).toContain('smtp down');
    expect(await runJob('nope', jobs, runtime)).toBe(2);
    await runtime.close();
  });

  it('defineJob validates its name', () => {
    expect(() => defineJob({ name: 'Bad Name', run: async () => undefined })).toThrow(
      /lower-case letters, digits and dashes/,
    );
  });

  it('jobMain: an unknown name lists the known ones and sets exit code 2', async () => {
    const { jobMain } = await import('../src/index');
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    const before = process.exitCode;
    await jobMain([defineJob({ name: 'a-job', run: async () => undefined })], ['other']);
    expect(process.exitCode).toBe(2);
    expect(errors.join('\n')).toMatch(/unknown job 'other'; known jobs: a-job/);
    process.exitCode = before;
  });
});
