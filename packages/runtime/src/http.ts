import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { LogController } from 'fastify';
import fp from 'fastify-plugin';
import { BerthError, dataExceptionOf } from './errors';
import { requestLoggerFactory, type Logger } from './logger';
import { redactHeaders, redactUrl } from './redact';
import type { Runtime } from './runtime';

export interface BerthPluginOptions {
  readonly runtime: Runtime;
  /** Longest a readiness DB ping may take before answering 503. @default 2000 */
  readonly readyTimeoutMs?: number;
}

export interface FastifyOptionsInput {
  /**
   * How many proxies in front of the service append to X-Forwarded-For: the client IP is the address that many hops
   * back, so a client cannot choose its logged IP by sending the header itself. One ALB (or the `berth dev` router)
   * is 1; CloudFront in front of the ALB is 2. 0 trusts no header and logs the socket's peer. @default 1
   */
  readonly proxyHops?: number;
}

export interface ServeOptions {
  /** @default - runtime.config.host (HOST: 127.0.0.1 under berth dev, else 0.0.0.0) */
  readonly host?: string;
  /** @default - runtime.config.port */
  readonly port?: number;
  /** Install SIGTERM/SIGINT handlers. @default true */
  readonly signals?: boolean;
  /**
   * Time between readiness turning 503 and the server refusing new connections, for load balancers that still
   * route to a stopping target. ECS deregisters the target before SIGTERM, so none is needed there. @default 0
   */
  readonly readinessGraceMs?: number;
  /** Drain the mail-events queue (MAIL_EVENTS_QUEUE_URL) in the background while serving. @default true */
  readonly drainMailEvents?: boolean;
}

/** ALB idle timeout is 60 s: the server must keep idle connections longer, or the ALB sees resets (502). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

interface Lifecycle {
  shuttingDown: boolean;
}
const lifecycles = new WeakMap<Runtime, Lifecycle>();
const lifecycleOf = (runtime: Runtime): Lifecycle => {
  let l = lifecycles.get(runtime);
  if (!l) lifecycles.set(runtime, (l = { shuttingDown: false }));
  return l;
};

function requestIdFrom(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined;
}

/**
 * The id an ALB gave this request, from `X-Amzn-Trace-Id`: the load balancer inserts (or updates) a `Self` field
 * when the request already carried a `Root`, and adds a `Root` when it carried none, each `1-<8 hex>-<24 hex>`
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html). The
 * same value is in the ALB's access log (`trace_id`), so a log line can be matched to it. Without an ALB the
 * header is the client's, trusted as far as `x-request-id` is: it names a request, it grants nothing.
 */
const TRACE_SELF = /(?:^|;)\s*Self=(1-[0-9a-f]{8}-[0-9a-f]{24})\s*(?:;|$)/;
const TRACE_ROOT = /(?:^|;)\s*Root=(1-[0-9a-f]{8}-[0-9a-f]{24})\s*(?:;|$)/;

export function traceIdFrom(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > 1_024) return undefined;
  return TRACE_SELF.exec(header)?.[1] ?? TRACE_ROOT.exec(header)?.[1];
}

/**
 * Ids for requests that carry neither header: a random prefix per process and a counter. Unique within the process
 * (the counter; a fresh prefix when it wraps), distinct across tasks but for a 1-in-2^64 chance, and starting at a
 * random count so an id does not tell how many requests the task has served. Not a secret: a request id names a
 * request in the logs and authorizes nothing, so it does not need a UUID's 122 random bits per request.
 */
let idPrefix = randomBytes(8).toString('hex');
let idCounter = randomBytes(4).readUInt32BE(0) >>> 1;

export function nextRequestId(): string {
  if (idCounter >= 0x7fffffff) {
    idPrefix = randomBytes(8).toString('hex');
    idCounter = 0;
  }
  return `${idPrefix}-${(++idCounter).toString(36)}`;
}

/** fastifyOptions()' request ids: a well-formed `x-request-id`, else the ALB's trace id, else nextRequestId(). */
function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  return (
    requestIdFrom(req.headers['x-request-id']) ??
    traceIdFrom(req.headers['x-amzn-trace-id']) ??
    nextRequestId()
  );
}

/** Fastify constructor options that fit the plugin: runtime logger, x-request-id, ALB keep-alive, 503 on closing. */
export function fastifyOptions(
  runtime: Runtime,
  options: FastifyOptionsInput = {},
): FastifyServerOptions & { loggerInstance: FastifyBaseLogger } {
  const proxyHops = options.proxyHops ?? 1;
  if (!Number.isInteger(proxyHops) || proxyHops < 0 || proxyHops > 10)
    throw new RangeError(
      `fastifyOptions: proxyHops is ${String(proxyHops)}; expected an integer from 0 to 10`,
    );
  return {
    loggerInstance: runtime.log,
    genReqId,
    // `request.log` without a pino child per request (the child is built only if the request logs something the
    // parent cannot write for it): see requestLoggerFactory.
    childLoggerFactory: requestLoggerFactory as unknown as NonNullable<
      FastifyServerOptions['childLoggerFactory']
    >,
    // The plugin writes one access line per request (with redacted headers) instead of Fastify's two. Through a
    // LogController: the top-level disableRequestLogging/requestIdLogLabel options are deprecated in Fastify 5
    // (FSTDEP023, FSTDEP024; https://fastify.dev/docs/latest/Reference/Warnings/).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    return503OnClosing: true,
    // Not `true`: that believes the leftmost X-Forwarded-For entry, which the client writes.
    trustProxy: proxyHops === 0 ? false : trustHops(proxyHops),
  };
}

/**
 * Addresses a proxy of ours can have: an ALB sits in the VPC's private ranges, the `berth dev` router on loopback.
 * A peer from anywhere else is the client itself, however many X-Forwarded-For entries it sent.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');
PRIVATE.addAddress('::1', 'ipv6');

/**
 * Fastify's trust function: the first `hops` addresses back from the socket. The socket's peer must be private (a
 * public peer is a client that reached the task directly); hops beyond it (CloudFront's edge) are counted, not
 * matched, since they are public by nature.
 */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (address, hop) => {
    if (hop >= hops) return false;
    if (hop > 0) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const v4 = mapped ? mapped[1]! : address;
    return isIP(v4) === 4 ? PRIVATE.check(v4, 'ipv4') : isIP(v4) === 6 && PRIVATE.check(v4, 'ipv6');
  };
}

function toErrorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

async function berthPlugin(app: FastifyInstance, options: BerthPluginOptions): Promise<void> {
  const { runtime } = options;
  const { healthPath, readyPath } = runtime.config;
  const readyTimeoutMs = options.readyTimeoutMs ?? 2_000;
  const lifecycle = lifecycleOf(runtime);

  // Apps built without fastifyOptions() still honour x-request-id and X-Amzn-Trace-Id; Fastify's own ids (req-1)
  // are replaced. With fastifyOptions() the id is already chosen, and no per-request hook is needed for it.
  if ((app as unknown as { genReqId?: unknown }).genReqId !== genReqId) {
    app.addHook('onRequest', (request, _reply, done) => {
      const wanted =
        requestIdFrom(request.headers['x-request-id']) ?? traceIdFrom(request.headers['x-amzn-trace-id']);
      const id = wanted ?? (/^req-[0-9a-z]+$/.test(request.id) ? nextRequestId() : request.id);
      if (id !== request.id) {
        request.id = id;
        request.log = request.log.child({ requestId: id });
      }
      done();
    });
  }

  // One hook before sending (callback style: no promise per request): the request id header, and while draining,
  // `Connection: close` on every response, since idle keep-alive sockets would otherwise hold server.close() open
  // until keepAliveTimeout, far past the stop timeout.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (lifecycle.shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const url = request.url;
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    const log = request.log as Partial<Pick<Logger, 'isLevelEnabled'>> & FastifyBaseLogger;
    // The line is built only when it will be written (an app's own logger may not say, then it is built). The
    // request's headers (redacted) only at debug: at info every request would carry ~1 KB of headers into the
    // log group, paid per GB ingested, for what the ALB's access log already records.
    if (url !== healthPath && url !== readyPath && (!log.isLevelEnabled || log.isLevelEnabled(level))) {
      const userAgent = request.headers['user-agent'];
      log[level](
        {
          // Not `req`/`res`: Fastify's serializers would replace these with their own shape.
          request: {
            method: request.method,
            url: redactUrl(url),
            ...(typeof userAgent === 'string' ? { userAgent } : {}),
            ...(!log.isLevelEnabled || log.isLevelEnabled('debug')
              ? { headers: redactHeaders(request.headers) }
              : {}),
            remoteAddress: request.ip,
          },
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    }
    done();
  });

  // Liveness: no I/O, so a slow database never gets healthy tasks killed.
  app.get(healthPath, { logLevel: 'silent' }, async () => ({ status: 'ok' }));

  // Readiness: 503 while shutting down or when the database does not answer in time.
  app.get(readyPath, { logLevel: 'silent' }, async (request, reply) => {
    if (lifecycle.shuttingDown)
      return reply.code(503).send({ status: 'unavailable', reason: 'shutting down' });
    if (!runtime.hasDatabase) return { status: 'ok' };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        runtime.db.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`database ping exceeded ${readyTimeoutMs} ms`)),
            readyTimeoutMs,
          );
        }),
      ]);
      return { status: 'ok' };
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message } }, 'ready: database unavailable');
      return reply.code(503).send({ status: 'unavailable' });
    } finally {
      clearTimeout(timer);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(toErrorBody('NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`));
  });

  app.setErrorHandler(
    (err: FastifyError | BerthError | Error, request: FastifyRequest, reply: FastifyReply) => {
      if (err instanceof BerthError) {
        if (err.statusCode >= 500) request.log.error({ err }, err.message);
        else request.log.info({ code: err.code, message: err.message }, 'request rejected');
        return reply.code(err.statusCode).send(toErrorBody(err.code, err.message, err.details));
      }
      // Bad input the schemas let through and the database refused: the client's fault, logged without a stack.
      const invalid = dataExceptionOf(err);
      if (invalid) {
        request.log.warn(
          { code: invalid.code, sqlstate: invalid.sqlstate, url: request.url.split('?')[0] },
          'request rejected: the database refused a value',
        );
        return reply.code(400).send(toErrorBody(invalid.code, invalid.message, invalid.details));
      }
      const fe = err as FastifyError;
      if (fe.validation) {
        const details = fe.validation.map((v) => ({
          field: fieldOf(fe.validationContext, v.instancePath, v.params),
          message: v.message ?? 'is invalid',
        }));
        return reply.code(400).send(toErrorBody('VALIDATION_FAILED', 'Request validation failed', details));
      }
      // Fastify's own 4xx (bad JSON, unsupported media type, body too large) carry safe messages.
      if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
        return reply.code(fe.statusCode).send(toErrorBody(fe.code ?? 'BAD_REQUEST', fe.message));
      }
      request.log.error({ err }, 'unhandled error');
      return reply.code(500).send(toErrorBody('INTERNAL', 'Internal server error'));
    },
  );
}

function fieldOf(context: string | undefined, instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const extra = typeof params.additionalProperty === 'string' ? params.additionalProperty : undefined;
  const leaf = [path, missing ?? extra].filter(Boolean).join('.');
  return [context, leaf].filter(Boolean).join('.') || (context ?? '');
}

/**
 * The Fastify plugin: request ids (x-request-id honoured and echoed), one access log line per request, liveness and
 * readiness routes, and one error handler mapping BerthError / validation errors to `{ error: { code, message } }`.
 * Register it first: `await app.register(berth, { runtime })`.
 */
export const berth = fp(berthPlugin, { name: '@berthjs/runtime', fastify: '5.x' });

/**
 * Listens on config.port and config.host (HOST; every interface unless set) and owns shutdown. On SIGTERM/SIGINT, in this order: readiness answers 503,
 * the server stops accepting (Fastify close, 503 on closing), in-flight requests finish, pools close
 * (runtime.close()), exit 0. If that takes until stopTimeoutSeconds − 1 s, exit 1 before ECS sends SIGKILL.
 */
export async function serve(
  app: FastifyInstance,
  runtime: Runtime,
  options: ServeOptions = {},
): Promise<void> {
  const { log, config } = runtime;
  const lifecycle = lifecycleOf(runtime);
  app.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  app.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  await app.listen({ port: options.port ?? config.port, host: options.host ?? config.host });
  log.info(
    { port: options.port ?? config.port, startupMs: Math.round(process.uptime() * 1000) },
    'listening',
  );
  // Bounce and complaint events reach the suppression list from every service that sends mail (runtime.close()
  // stops the drain): no job or public endpoint is needed.
  if (config.mail?.eventsQueueUrl && options.drainMailEvents !== false) runtime.mail.startDraining();

  if (options.signals === false) return;
  const shutdown = async (signal: string) => {
    if (lifecycle.shuttingDown) return;
    lifecycle.shuttingDown = true;
    const started = performance.now();
    const budgetMs = Math.max(1_000, config.stopTimeoutSeconds * 1_000 - 1_000);
    const deadline = setTimeout(() => {
      log.error({ signal, budgetMs }, 'shutdown: deadline reached, forcing exit');
      runtime.log.flush?.();
      process.exit(1);
    }, budgetMs);
    deadline.unref();
    log.info({ signal }, 'shutdown: readiness 503, draining');
    try {
      if (options.readinessGraceMs) await new Promise((r) => setTimeout(r, options.readinessGraceMs));
      await app.close();
      await runtime.close();
      log.info({ signal, drainMs: Math.round(performance.now() - started) }, 'shutdown: drained, exiting');
      clearTimeout(deadline);
      await flushLog(runtime);
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      await flushLog(runtime);
      process.exit(1);
    }
  };
  // `on`, not `once`: a second signal must not fall through to Node's default (immediate death mid-drain).
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function flushLog(runtime: Runtime): Promise<void> {
  return new Promise((resolve) => {
    try {
      runtime.log.flush((err) => (err ? resolve() : resolve()));
    } catch {
      resolve();
    }
    setTimeout(resolve, 200).unref();
  });
}
