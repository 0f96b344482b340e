import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Runtime } from './runtime';

export interface BerthPluginOptions {
  readonly runtime: Runtime;
}

export interface ServeOptions {
  /** @default '0.0.0.0' */
  readonly host?: string;
  /** @default - runtime.config.port */
  readonly port?: number;
  /** Install SIGTERM/SIGINT handlers. @default true */
  readonly signals?: boolean;
}

/** Fastify constructor options that fit the plugin: runtime logger, x-request-id, ALB keep-alive, 503 on closing. */
export function fastifyOptions(_runtime: Runtime): FastifyServerOptions {
  throw new Error('not implemented');
}

/** The Fastify plugin: request ids, health and readiness, error mapping, shutdown readiness. */
export async function berth(_app: FastifyInstance, _options: BerthPluginOptions): Promise<void> {
  throw new Error('not implemented');
}

/** Listens on config.port and drains on SIGTERM/SIGINT within the stop timeout. */
export async function serve(
  _app: FastifyInstance,
  _runtime: Runtime,
  _options: ServeOptions = {},
): Promise<void> {
  throw new Error('not implemented');
}
