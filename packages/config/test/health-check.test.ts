import { describe, expect, it } from 'vitest';
import { ConfigError, programsNotKnown, resolve } from '../src/index';
import { app } from './fixtures';

function problems(cfg: unknown): string[] {
  try {
    resolve(cfg, 'prod');
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('container health checks ask nothing of the image it does not declare', () => {
  it('no healthCheck: none in the resolved service (the ALB check is the health check)', () => {
    expect(resolve(app(), 'prod').services.api!.healthCheck).toBeUndefined();
  });

  it('a healthCheck calling curl is refused, naming the path, the program and what to do', () => {
    const cfg = app({
      services: { api: { healthCheck: { command: ['curl', '-fsS', 'http://127.0.0.1:3000/health'] } } },
    });
    expect(problems(cfg)).toEqual([
      expect.stringMatching(
        /^services\.api\.healthCheck\.command: calls "curl", which the image is not known to have .*add 'curl' to imageHas/,
      ),
    ]);
  });

  it('the program inside sh -c counts, and imageHas lets a declared one through', () => {
    const sh = { command: ['sh', '-c', 'wget -q -O /dev/null http://127.0.0.1:3000/health'] };
    expect(problems(app({ services: { api: { healthCheck: sh } } }))).toEqual([
      expect.stringMatching(/calls "wget"/),
    ]);
    const ok = resolve(app({ services: { api: { healthCheck: sh, imageHas: ['wget'] } } }), 'prod');
    expect(ok.services.api!.healthCheck).toEqual(sh);
  });

  it('reads ECS forms: CMD and CMD-SHELL', () => {
    expect(programsNotKnown(['CMD', '/usr/bin/python3', '-c', 'x'], [])).toEqual(['python3']);
    expect(programsNotKnown(['CMD-SHELL', 'node -e 1 || exit 1'], [])).toEqual(['node']);
    expect(programsNotKnown(['CMD', '/app/healthcheck'], [])).toEqual([]);
  });
});
