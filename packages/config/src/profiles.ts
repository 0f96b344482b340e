import type { ProfileName } from './types';

// Nothing here imports zod: @berthjs/config/contract (the runtime's one entry into this package) reaches this file,
// and zod in the runtime's graph cost talent's server ~11 MB at idle (bench/http.ts, docs/performance.md).
// Target group health checks, draining and grace period per profile: ./load-balancing (schema and defaults).

/** The profiles, in order of strictness. */
export const PROFILE_NAMES = ['dev', 'staging', 'prod'] as const;

/**
 * Environment defaults. The numbers follow the dev/staging/prod differences table of a production
 * FastAPI-on-Fargate system (task counts, sizes, Spot, autoscaling, HTTPS, RDS class, Multi-AZ, Redis nodes
 * and TLS, log retention, deletion protection); the rest follow the same spirit: cheap and disposable in dev,
 * production-like in staging, highly available and protected in prod.
 * Precedence (lowest first): profile → the app's top-level values → the environment's `overrides`.
 * Database and cache classes are the current Graviton generation (t4g), which needs no application change; engine
 * versions default to the newest the catalog in engines.ts says AWS still creates.
 */
export interface Profile {
  readonly service: {
    readonly cpu: number;
    readonly memoryMib: number;
    readonly capacity: 'fargate' | 'fargate-spot';
    readonly count: number;
    readonly scaling:
      { readonly min: number; readonly max: number; readonly cpu: number; readonly memory: number } | false;
  };
  readonly https: boolean;
  readonly accessLogs: boolean;
  readonly database: {
    readonly instanceClass: string;
    readonly multiAz: boolean;
    readonly minAcu: number;
    readonly maxAcu: number;
    readonly backupRetention: number;
  };
  readonly cache: { readonly nodes: number; readonly tls: boolean; readonly nodeType: string };
  readonly network: { readonly azs: number; readonly nat: 'single' | 'per-az' };
  readonly logRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly removal: 'retain' | 'snapshot' | 'destroy';
  readonly bucketVersioning: boolean;
  /** Days a versioned bucket keeps noncurrent versions before they expire. */
  readonly noncurrentVersionDays: number;
  readonly alarms: boolean;
  readonly standby: boolean;
  /** AWS WAF on the entry point: off, or on with this rate limit per client IP per 5 minutes. */
  readonly waf: false | { readonly rateLimit: number };
  /** How services deploy unless they say otherwise. */
  readonly deploy: 'rolling' | 'canary';
  /** ECS Exec (`berth exec`) into services unless they say otherwise. */
  readonly exec: boolean;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({
  dev: {
    service: { cpu: 0.25, memoryMib: 512, capacity: 'fargate-spot', count: 2, scaling: false },
    https: false,
    accessLogs: false,
    database: { instanceClass: 'db.t4g.micro', multiAz: false, minAcu: 0, maxAcu: 1, backupRetention: 1 },
    cache: { nodes: 1, tls: false, nodeType: 'cache.t4g.micro' },
    network: { azs: 2, nat: 'single' },
    logRetentionDays: 7,
    deletionProtection: false,
    removal: 'destroy',
    bucketVersioning: false,
    noncurrentVersionDays: 1,
    alarms: false,
    standby: false,
    waf: false,
    deploy: 'rolling',
    exec: true,
  },
  staging: {
    service: {
      cpu: 0.25,
      memoryMib: 512,
      capacity: 'fargate-spot',
      count: 2,
      scaling: { min: 2, max: 6, cpu: 60, memory: 70 },
    },
    https: true,
    accessLogs: true,
    database: { instanceClass: 'db.t4g.small', multiAz: false, minAcu: 0.5, maxAcu: 4, backupRetention: 7 },
    cache: { nodes: 2, tls: false, nodeType: 'cache.t4g.micro' },
    network: { azs: 2, nat: 'single' },
    logRetentionDays: 14,
    deletionProtection: false,
    removal: 'snapshot',
    bucketVersioning: false,
    noncurrentVersionDays: 7,
    alarms: false,
    standby: false,
    waf: false,
    deploy: 'rolling',
    exec: true,
  },
  prod: {
    service: {
      cpu: 0.5,
      memoryMib: 1024,
      capacity: 'fargate',
      count: 3,
      scaling: { min: 3, max: 20, cpu: 60, memory: 70 },
    },
    https: true,
    accessLogs: true,
    database: { instanceClass: 'db.t4g.medium', multiAz: true, minAcu: 0.5, maxAcu: 16, backupRetention: 14 },
    cache: { nodes: 3, tls: true, nodeType: 'cache.t4g.medium' },
    network: { azs: 3, nat: 'per-az' },
    logRetentionDays: 90,
    deletionProtection: true,
    removal: 'retain',
    bucketVersioning: true,
    noncurrentVersionDays: 30,
    alarms: true,
    standby: true,
    // 2,000 per 5 minutes is ~6.7 requests/s sustained from one IP: far above a person, far below a flood.
    waf: { rateLimit: 2000 },
    deploy: 'canary',
    exec: false,
  },
});

/** Defaults that do not vary by profile. */
export const DEFAULTS = Object.freeze({
  region: 'us-east-1',
  port: 3000,
  healthPath: '/health',
  readyPath: '/ready',
  stopTimeout: 30,
  arch: 'x86_64',
  autoPauseMinutes: 5,
  rotationDays: 30,
  storage: { allocated: 20, max: 100 },
  cidr: '10.0.0.0/16',
  jobSizes: { light: { cpu: 0.25, memoryMib: 512 }, heavy: { cpu: 1, memoryMib: 2048 } },
  jobTimeoutMinutes: 60,
  alarmCpu: 75,
  alarmMemory: 80,
  bastionInstanceType: 't4g.nano',
  ec2: { instanceType: 't3.medium', minInstances: 1, maxInstances: 3, targetCapacityPercent: 100 },
  waf: { mode: 'block', rateWindowSeconds: 300, rateLimit: 2000 },
  deploy: { bakeMinutes: 10, canaryPercent: 10, linearPercent: 25, stepMinutes: 5 },
} as const);

/** Valid log retention values for CloudWatch Logs. */
export const LOG_RETENTION_DAYS = Object.freeze([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);
