import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { fmt, percentile, table } from './stats';

export interface LoadRequest {
  /** Groups samples in the report, e.g. `read`, `write`, `health`. */
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface Sample {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  /** performance.now() when the request was sent. */
  readonly start: number;
  /** Time to the end of the response (or to the error). */
  readonly ms: number;
  readonly status?: number;
  /** Connection-level failure: an errno code, or TIMEOUT. */
  readonly error?: string;
  /** `id` of a 2xx JSON response body, when there is one. */
  readonly id?: string;
  readonly body?: string;
}

export interface LoadOptions {
  readonly baseUrl: string;
  /** Requests per second, sent open-loop (a slow server does not slow the sender). */
  readonly rate: number;
  /** Stops sending after this long, or when `signal` aborts, whichever is first. */
  readonly durationMs: number;
  readonly signal?: AbortSignal;
  readonly next: (i: number) => LoadRequest;
  /** A request with no response after this long is destroyed and counted as TIMEOUT. @default 15000 */
  readonly timeoutMs?: number;
  /** Sockets at most; a send beyond it is recorded as `SATURATED` (not sent). @default 512 */
  readonly maxInFlight?: number;
  /** Keep response bodies of non-2xx answers (for diagnosis). @default true */
  readonly keepErrorBodies?: boolean;
  /**
   * How often the sender wakes to send what is due. At 1,000 req/s a 5 ms tick sends bursts of 5 at once, and the
   * last of each burst queues behind the other four: the tail then measures the sender. @default 5
   */
  readonly tickMs?: number;
}

/**
 * An open-loop HTTP load generator: `rate` requests per second over keep-alive sockets for `durationMs`, every
 * request recorded (status, latency, connection errors, the id a 2xx write returned). Resolves when the last
 * request has finished.
 */
export async function runLoad(options: LoadOptions): Promise<Sample[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxInFlight = options.maxInFlight ?? 512;
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const base = new URL(options.baseUrl);
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let inFlight = 0;
  let sent = 0;

  const send = (i: number) => {
    const spec = options.next(i);
    const start = performance.now();
    if (inFlight >= maxInFlight) {
      samples.push({
        kind: spec.kind,
        method: spec.method,
        path: spec.path,
        start,
        ms: 0,
        error: 'SATURATED',
      });
      return;
    }
    inFlight++;
    const done = new Promise<void>((resolve) => {
      let settled = false;
      const finish = (sample: Omit<Sample, 'kind' | 'method' | 'path' | 'start' | 'ms'>) => {
        if (settled) return;
        settled = true;
        inFlight--;
        samples.push({
          kind: spec.kind,
          method: spec.method,
          path: spec.path,
          start,
          ms: performance.now() - start,
          ...sample,
        });
        resolve();
      };
      const headers: Record<string, string | number> = { ...spec.headers };
      if (spec.body !== undefined) headers['content-length'] = Buffer.byteLength(spec.body);
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) =>
          finish({ status: res.statusCode, error: err.code ?? err.message }),
        );
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let id: string | undefined;
          if (status >= 200 && status < 300 && spec.method !== 'GET') {
            try {
              const parsed = JSON.parse(text) as { id?: unknown };
              if (typeof parsed.id === 'string') id = parsed.id;
            } catch {
              // not JSON: no id to record
            }
          }
          const keep = status >= 400 && options.keepErrorBodies !== false;
          finish({ status, ...(id ? { id } : {}), ...(keep ? { body: text.slice(0, 500) } : {}) });
        });
      };
      let req: ClientRequest;
      try {
        req = request(
          { agent, host: base.hostname, port: base.port, method: spec.method, path: spec.path, headers },
          onResponse,
        );
      } catch (err) {
        // node:http refused to send it (an invalid path or header): the generator's fault, never the server's.
        finish({ error: `CLIENT_${(err as NodeJS.ErrnoException).code ?? 'INVALID'}` });
        return;
      }
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? err.message }));
      req.end(spec.body);
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };

  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      if (elapsed >= options.durationMs || options.signal?.aborted) {
        resolve();
        return;
      }
      const due = Math.floor((elapsed / 1000) * options.rate);
      while (sent < due) send(sent++);
      setTimeout(tick, options.tickMs ?? 5);
    };
    tick();
  });
  while (pending.size > 0) await Promise.all([...pending]);
  agent.destroy();
  return samples.sort((a, b) => a.start - b.start);
}

export interface Summary {
  readonly sent: number;
  readonly ok: number;
  readonly client: number;
  readonly server: number;
  readonly connErrors: number;
  readonly timeouts: number;
  readonly notSent: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** status → count, and error code → count. */
  readonly statuses: Readonly<Record<string, number>>;
}

export function summarize(samples: readonly Sample[]): Summary {
  const sentSamples = samples.filter((s) => s.error !== 'SATURATED');
  const statuses: Record<string, number> = {};
  for (const s of samples) {
    const key = s.error ?? String(s.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const latencies = sentSamples.map((s) => s.ms);
  const ok = sentSamples.filter((s) => s.status !== undefined && s.status >= 200 && s.status < 300);
  return {
    sent: sentSamples.length,
    ok: ok.length,
    client: sentSamples.filter((s) => s.status !== undefined && s.status >= 400 && s.status < 500).length,
    server: sentSamples.filter((s) => s.status !== undefined && s.status >= 500).length,
    connErrors: sentSamples.filter((s) => s.error !== undefined && s.error !== 'TIMEOUT').length,
    timeouts: sentSamples.filter((s) => s.error === 'TIMEOUT').length,
    notSent: samples.length - sentSamples.length,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.length ? Math.max(...latencies) : Number.NaN,
    statuses,
  };
}

/** Samples sent in [from, to) (performance.now() times). */
export function between(samples: readonly Sample[], from: number, to = Number.POSITIVE_INFINITY): Sample[] {
  return samples.filter((s) => s.start >= from && s.start < to);
}

/**
 * The samples sent at or after `from` that were answered before `to`: a request still in flight when a fault begins
 * may meet the fault, so "everything before the fault succeeded" is asserted over these.
 */
export function answeredBetween(samples: readonly Sample[], from: number, to: number): Sample[] {
  return samples.filter((s) => s.start >= from && s.start + s.ms < to);
}

/** The counts table every fault scenario prints: one row per label. */
export function countsTable(rows: ReadonlyArray<readonly [string, readonly Sample[]]>): string {
  return table(
    [
      'window',
      'sent',
      '2xx',
      '4xx',
      '5xx',
      'conn err',
      'timeout',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'statuses',
    ],
    rows.map(([label, samples]) => {
      const s = summarize(samples);
      const statuses = Object.entries(s.statuses)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k}:${v}`)
        .join(' ');
      return [
        label,
        String(s.sent),
        String(s.ok),
        String(s.client),
        String(s.server),
        String(s.connErrors),
        String(s.timeouts),
        fmt(s.p50),
        fmt(s.p90),
        fmt(s.p99),
        fmt(s.max),
        statuses,
      ];
    }),
  );
}
