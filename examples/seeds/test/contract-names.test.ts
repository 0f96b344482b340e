import { describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import { localEnv } from '@berthjs/dev';
import { declaredNames, fakePeers, nameDrift, taskContainers } from '../../../test/support/contract-names';
import connect2 from '../connect2/berth.config';
import helloYou from '../hello-you/berth.config';

/**
 * The Python seeds' services and jobs get the same contract names under `berth dev` as their prod task definitions
 * declare (Environment + Secrets), apart from the documented local-only rows (AWS_ENDPOINT_URL_*, the state's access
 * key) and cloud-only ones (PGSSLMODE, CACHE_AUTH_TOKEN, MAIL_CONFIGURATION_SET). Code written against the contract
 * alone therefore finds locally every name it finds on ECS, and the reverse.
 */
describe.each([
  ['connect2', connect2],
  ['hello-you', helloYou],
] as const)('%s: berth dev and the prod task definitions carry the same names', (_seed, config) => {
  const dev = resolve(config, 'dev');
  const prod = resolve(config, 'prod');
  const { services, jobs } = taskContainers(prod);

  it('every service and every job has a task definition with its container', () => {
    expect([...services.keys()].sort()).toEqual(Object.keys(prod.services).sort());
    expect([...jobs.keys()].sort()).toEqual(Object.keys(prod.jobs).sort());
  });

  it('each service: the same names, libpq and region variables on both sides', () => {
    for (const [name, container] of services) {
      expect({ name, ...nameDrift(dev, name, container) }).toEqual({
        name,
        missingLocally: [],
        missingInCloud: [],
      });
      const cloud = declaredNames(container);
      const local = Object.keys(localEnv(dev, name, fakePeers(dev), 4100).env);
      for (const n of [
        'PORT',
        'AWS_REGION',
        'AWS_DEFAULT_REGION',
        'PGHOST',
        'PGPORT',
        'PGDATABASE',
        'PGUSER',
        'PGPASSWORD',
      ]) {
        expect(cloud, `${name}: ${n} in prod`).toContain(n);
        expect(local, `${name}: ${n} under berth dev`).toContain(n);
      }
      // PGPASSWORD is an ECS secret in the task definition, never plain env.
      expect((container.Secrets ?? []).map((s) => s.Name)).toContain('PGPASSWORD');
      expect((container.Environment ?? []).map((e) => e.Name)).not.toContain('PGPASSWORD');
    }
  });

  it("each job: berth dev runs it with its service's env, and its task definition declares the same names", () => {
    for (const job of Object.values(prod.jobs)) {
      expect({ job: job.name, ...nameDrift(dev, job.service, jobs.get(job.name)!) }).toEqual({
        job: job.name,
        missingLocally: [],
        missingInCloud: [],
      });
    }
  });

  it('the comparison sees drift: a name only the task declares, or one it lacks, is reported', () => {
    const [name, container] = [...services][0]!;
    const extra = {
      ...container,
      Environment: [...(container.Environment ?? []), { Name: 'ONLY_IN_CLOUD', Value: 'x' }],
    };
    expect(nameDrift(dev, name, extra).missingLocally).toEqual(['ONLY_IN_CLOUD']);
    const lacking = {
      ...container,
      Environment: (container.Environment ?? []).filter((e) => e.Name !== 'PGHOST'),
    };
    expect(nameDrift(dev, name, lacking).missingInCloud).toEqual(['PGHOST']);
  });
});
