import { describe, expect, it } from 'vitest';
import { contractFor, resolve } from '@berthjs/config';
import { loadRuntimeConfig } from '@berthjs/runtime';
import { localEnv, type LocalPeers } from '@berthjs/dev';
import {
  fakePeers,
  nameDrift,
  standIn,
  taskContainers,
  type Container,
} from '../../../test/support/contract-names';
import talent from '../berth.config';

/**
 * The contract round trip: the env `berth dev` builds for talent, and the env the synthesized prod task definitions
 * declare, both load in the runtime's reader with no missing key, and carry the same names (apart from the rows that
 * are local-only or cloud-only by design).
 */
const dev = resolve(talent, 'dev');
const prod = resolve(talent, 'prod');

const peers: LocalPeers = fakePeers(dev);

function prodContainers(): Map<string, Container> {
  return taskContainers(prod).services;
}

describe('the contract round trip (talent)', () => {
  it('the env berth dev builds for each service loads in the runtime, libpq and region variables included', () => {
    for (const name of Object.keys(dev.services)) {
      const { env } = localEnv(dev, name, peers, 4100);
      const config = loadRuntimeConfig(env);
      expect(config.service).toBe(name);
      if (dev.services[name]!.uses.database) {
        expect(env).toMatchObject({
          PGHOST: '127.0.0.1',
          PGPORT: '54321',
          PGDATABASE: 'talent',
          PGUSER: 'app',
          PGPASSWORD: 'local-pw',
        });
        expect(env).not.toHaveProperty('PGSSLMODE');
        expect(config.database?.secret.password).toBe('local-pw');
      }
      expect(env.AWS_DEFAULT_REGION).toBe(env.AWS_REGION);
      expect(config.endpoints.s3).toBe(peers.s3Endpoint);
      if (dev.services[name]!.uses.mail) {
        // Bounces and complaints reach the service locally through the same queue variable as in the cloud.
        expect(config.mail?.eventsQueueUrl).toBe(peers.mailEvents!.queueUrl);
        expect(config.endpoints.sqs).toBe(peers.mailEvents!.endpoint);
      }
    }
  });

  let containers: Map<string, Container>;
  it('the env each prod task definition declares (plain env + secret names) loads in the runtime', () => {
    containers = prodContainers();
    expect([...containers.keys()].sort()).toEqual(Object.keys(prod.services).sort());
    for (const [name, c] of containers) {
      const env: Record<string, string> = {};
      for (const e of c.Environment ?? [])
        env[e.Name] = typeof e.Value === 'string' ? e.Value : standIn(e.Name);
      for (const s of c.Secrets ?? []) env[s.Name] = standIn(s.Name);
      const config = loadRuntimeConfig(env);
      expect(config.service).toBe(name);
      // Every variable of the contract is declared, through its channel.
      for (const v of contractFor(prod, name).variables.filter((x) => x.required)) {
        const declared = v.secret
          ? (c.Secrets ?? []).map((s) => s.Name)
          : (c.Environment ?? []).map((e) => e.Name);
        expect(declared, `${name}: ${v.name}`).toContain(v.name);
      }
    }
  });

  it('dev and prod give a service the same names, apart from local-only and cloud-only rows', () => {
    for (const [name, c] of containers) {
      expect({ name, ...nameDrift(dev, name, c, peers) }).toEqual({
        name,
        missingLocally: [],
        missingInCloud: [],
      });
    }
  });
});
