export type Dimensions = Readonly<Record<string, string>>;

export interface Metrics {
  /** Adds `value` (default 1) to counter `name`. */
  count(name: string, value?: number, dims?: Dimensions): void;
  /** Records a duration in milliseconds. */
  timing(name: string, ms: number, dims?: Dimensions): void;
  /** Writes what is buffered now (also runs on a timer and at close). */
  flush(): void;
  close(): void;
}

export interface MetricsOptions {
  readonly namespace: string;
  /** Dimensions on every metric, e.g. { service, stage }. */
  readonly dimensions?: Dimensions;
  /** @default 1000 */
  readonly flushIntervalMs?: number;
  /** @default - process.stdout.write */
  readonly write?: (line: string) => void;
}

/**
 * CloudWatch Embedded Metric Format on stdout: the awslogs driver ships it and CloudWatch turns it into metrics,
 * with no agent and no PutMetricData call. Values are aggregated per (name, dims) and flushed once per interval,
 * so a hot path costs a map lookup, not a write.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const base = options.dimensions ?? {};
  type Entry = { name: string; unit: 'Count' | 'Milliseconds'; dims: Dimensions; values: number[] };
  const buffer = new Map<string, Entry>();
  let timer: NodeJS.Timeout | undefined;

  const record = (name: string, unit: Entry['unit'], value: number, dims: Dimensions | undefined) => {
    const all = { ...base, ...dims };
    const id = `${name}\u0000${unit}\u0000${JSON.stringify(all)}`;
    let entry = buffer.get(id);
    if (!entry) {
      entry = { name, unit, dims: all, values: [] };
      buffer.set(id, entry);
    }
    if (unit === 'Count' && entry.values.length > 0) entry.values[0]! += value;
    else if (entry.values.length < 100) entry.values.push(value);
    if (!timer) {
      timer = setTimeout(flush, options.flushIntervalMs ?? 1000);
      timer.unref();
    }
  };

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer.size === 0) return;
    const now = Date.now();
    let out = '';
    for (const e of buffer.values()) {
      out +=
        JSON.stringify({
          _aws: {
            Timestamp: now,
            CloudWatchMetrics: [
              {
                Namespace: options.namespace,
                Dimensions: [Object.keys(e.dims)],
                Metrics: [{ Name: e.name, Unit: e.unit }],
              },
            ],
          },
          ...e.dims,
          [e.name]: e.values.length === 1 ? e.values[0] : e.values,
        }) + '\n';
    }
    buffer.clear();
    write(out);
  };

  return {
    count: (name, value = 1, dims) => record(name, 'Count', value, dims),
    timing: (name, ms, dims) => record(name, 'Milliseconds', ms, dims),
    flush,
    close: flush,
  };
}
