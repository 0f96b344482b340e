import { describe, expect, it } from 'vitest';
import { resolve } from '../src/index';
import { app } from './fixtures';

const dev = () => resolve(app(), 'dev');
const staging = () => resolve(app(), 'staging');
const prod = () => resolve(app(), 'prod');

describe('profile defaults (dev / staging / prod)', () => {
  it('task count: dev 2 fixed, staging 2–6, prod 3–20', () => {
    expect(dev().services.api!.scaling).toBe(false);
    expect(dev().services.api!.desiredCount).toBe(2);
    expect(staging().services.api!.scaling).toMatchObject({ min: 2, max: 6 });
    expect(prod().services.api!.scaling).toMatchObject({ min: 3, max: 20 });
    expect(prod().services.api!.desiredCount).toBe(3);
  });
  it('cpu/memory: 0.25/512 in dev and staging, 0.5/1024 in prod', () => {
    expect([dev().services.api!.cpu, dev().services.api!.memoryMib]).toEqual([0.25, 512]);
    expect([staging().services.api!.cpu, staging().services.api!.memoryMib]).toEqual([0.25, 512]);
    expect([prod().services.api!.cpu, prod().services.api!.memoryMib]).toEqual([0.5, 1024]);
  });
  it('Spot in dev and staging, on-demand in prod', () => {
    expect(dev().services.api!.capacity).toBe('fargate-spot');
    expect(staging().services.api!.capacity).toBe('fargate-spot');
    expect(prod().services.api!.capacity).toBe('fargate');
  });
  it('autoscaling targets in staging and prod: CPU 60%, memory 70%', () => {
    expect(prod().services.api!.scaling).toMatchObject({ cpu: 60, memory: 70, requests: false });
    expect(staging().services.api!.scaling).toMatchObject({ cpu: 60, memory: 70 });
  });
  it('HTTPS off in dev, on in staging and prod (when a domain gives a certificate)', () => {
    expect(dev().edge.https).toBe(false);
    expect(staging().edge.https).toBe(true);
    expect(prod().edge).toMatchObject({ https: true, certificate: 'create' });
    expect(resolve(app({ edge: { domain: undefined } }), 'staging').edge.https).toBe(false);
    // prod with no certificate is refused (rules.test.ts) unless the config chooses plain HTTP in writing.
    expect(resolve(app({ edge: { domain: undefined, https: false } }), 'prod').edge.https).toBe(false);
  });
  it('RDS class: db.t4g.micro, db.t4g.small, db.t4g.medium (the t3 sizes, current Graviton generation)', () => {
    const pg = app({ database: { engine: 'postgres', version: '16.13' } });
    const cls = (s: string) => {
      const db = resolve(pg, s).database!;
      return db.engine === 'postgres' ? db.instanceClass : undefined;
    };
    expect([cls('dev'), cls('staging'), cls('prod')]).toEqual([
      'db.t4g.micro',
      'db.t4g.small',
      'db.t4g.medium',
    ]);
  });
  it('Aurora ACU: 0–1 with auto-pause in dev, 0.5–4 staging, 0.5–16 prod', () => {
    expect(dev().database).toMatchObject({ minAcu: 0, maxAcu: 1, autoPause: 5 });
    expect(staging().database).toMatchObject({ minAcu: 0.5, maxAcu: 4, autoPause: false });
    expect(prod().database).toMatchObject({ minAcu: 0.5, maxAcu: 16, autoPause: false });
  });
  it('Multi-AZ only in prod', () => {
    expect([dev().database!.multiAz, staging().database!.multiAz, prod().database!.multiAz]).toEqual([
      false,
      false,
      true,
    ]);
  });
  it('backup retention 1 / 7 / 14 days', () => {
    expect([dev(), staging(), prod()].map((r) => r.database!.backupRetention)).toEqual([1, 7, 14]);
  });
  it('Redis nodes 1 / 2 / 3, TLS only in prod', () => {
    expect([dev(), staging(), prod()].map((r) => r.cache!.nodes)).toEqual([1, 2, 3]);
    expect([dev(), staging(), prod()].map((r) => r.cache!.tls)).toEqual([false, false, true]);
  });
  it('log retention 7 / 14 / 90 days', () => {
    expect([dev(), staging(), prod()].map((r) => r.logRetentionDays)).toEqual([7, 14, 90]);
  });
  it('deletion protection and removal: off/destroy in dev, snapshot in staging, on/retain in prod', () => {
    expect([dev(), staging(), prod()].map((r) => r.deletionProtection)).toEqual([false, false, true]);
    expect([dev(), staging(), prod()].map((r) => r.removal)).toEqual(['destroy', 'snapshot', 'retain']);
  });
  it('NAT single in dev and staging, one per AZ over 3 AZs in prod', () => {
    expect(dev().network).toMatchObject({ nat: 'single', azs: 2 });
    expect(prod().network).toMatchObject({ nat: 'per-az', azs: 3 });
  });
  it('alarms only in prod; bucket versioning only in prod; ALB access logs off in dev', () => {
    expect([dev(), staging(), prod()].map((r) => r.alarms !== null)).toEqual([false, false, true]);
    expect([dev(), staging(), prod()].map((r) => r.buckets.uploads!.versioned)).toEqual([false, false, true]);
    expect([dev(), staging(), prod()].map((r) => r.edge.accessLogs)).toEqual([false, true, true]);
  });
  it('the mail allow-list applies outside prod only', () => {
    expect(dev().mail!.allowList).toEqual(['@example.com']);
    expect(prod().mail!.allowList).toBeNull();
  });
  it('a standby region is used in prod only', () => {
    // A standby replicates only the database and fails over by Route 53: no buckets or mail, a hosted zone.
    const withStandby = app({
      standby: { region: 'us-west-2' },
      buckets: undefined,
      mail: undefined,
      edge: { hostedZoneId: 'Z123' },
    });
    expect(resolve(withStandby, 'prod').standby).toEqual({
      region: 'us-west-2',
      tasks: 0,
      cidr: '10.1.0.0/16',
    });
    expect(resolve(withStandby, 'dev').standby).toBeNull();
  });
});

describe('precedence: profile < app values < environment overrides', () => {
  it('an app value beats the profile everywhere; an override beats both in its environment', () => {
    const cfg = app({
      services: { api: { cpu: 1, memory: '2 GB' } },
      environments: { dev: {}, staging: {}, prod: { overrides: { services: { api: { memory: '4 GB' } } } } },
    });
    expect(resolve(cfg, 'dev').services.api).toMatchObject({ cpu: 1, memoryMib: 2048 });
    expect(resolve(cfg, 'prod').services.api).toMatchObject({ cpu: 1, memoryMib: 4096 });
  });
  it('a custom environment name takes its profile explicitly', () => {
    const cfg = app({ environments: { dev: {}, qa: { profile: 'staging' } } });
    const qa = resolve(cfg, 'qa');
    expect(qa.profile).toBe('staging');
    expect(qa.logRetentionDays).toBe(14);
  });
  it('raising maxAcu alone keeps the profile minimum', () => {
    expect(resolve(app({ database: { maxAcu: 32 } }), 'prod').database).toMatchObject({
      minAcu: 0.5,
      maxAcu: 32,
    });
  });
  it('the resolved app is deeply frozen', () => {
    const r = resolve(app(), 'prod');
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.services.api)).toBe(true);
    expect(() => {
      (r.services.api as { port: number }).port = 1;
    }).toThrow();
  });
  it('hosts: labels become <label>.<domain>, or a wildcard without a domain', () => {
    expect(resolve(app(), 'prod').services.api!.hosts).toEqual(['api.shop.example.com']);
    expect(resolve(app({ edge: { domain: undefined } }), 'dev').services.cms!.hosts).toEqual(['cms.*']);
  });
  it('the first service is the default unless one says default: true', () => {
    expect(resolve(app(), 'dev').defaultService).toBe('api');
    expect(resolve(app({ services: { cms: { default: true } } }), 'dev').defaultService).toBe('cms');
  });
  it('nat none derives the endpoints private tasks need', () => {
    const r = resolve(app({ mail: undefined, network: { nat: 'none' } }), 'dev');
    // dev turns ECS Exec on, whose sessions go through ssmmessages.
    expect(r.network.endpoints).toEqual(['s3', 'ecr', 'logs', 'secretsmanager', 'ssmmessages']);
  });
});
