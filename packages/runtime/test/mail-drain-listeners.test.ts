import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { createMailer } from '../src/index';
import { captureLog } from './support/log';

const { log } = captureLog();
const config = { from: 'no-reply@shop.example.com', allowList: null, eventsQueueUrl: 'http://sqs.local/q' };

/** Samples the `abort` listeners on every signal the drain passed to SQS, once `polls` receives have been answered. */
async function listenersAfter(
  polls: number,
  receives: () => number,
  signals: () => Iterable<AbortSignal>,
  samples: number[],
): Promise<void> {
  const sample = () => {
    for (const s of signals()) samples.push(getEventListeners(s, 'abort').length);
  };
  for (const at of [polls / 10, polls / 2, polls]) {
    await expect.poll(receives, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(at);
    sample();
  }
}

describe('mail: the events drain leaves no listener behind on its long-lived abort signal', () => {
  it('1000 idle polls (an empty queue): the listener count on the signal stays constant', async () => {
    const signals = new Set<AbortSignal>();
    let receives = 0;
    // An SQS client with an always-empty queue, answering at once: each poll is a receive and an idle wait.
    const sqsClient = {
      send: async (_command: unknown, options?: { abortSignal?: AbortSignal }) => {
        if (options?.abortSignal) signals.add(options.abortSignal);
        receives++;
        return {};
      },
    } as unknown as SQSClient;
    const mailer = createMailer(config, { log, region: 'us-east-1', sqsClient });
    const loop = mailer.startDraining({ waitSeconds: 0, idleMs: 0 });
    const samples: number[] = [];
    try {
      await listenersAfter(
        1000,
        () => receives,
        () => signals,
        samples,
      );
    } finally {
      await loop.stop();
    }
    expect(signals.size).toBe(1);
    // At most the one wait in progress; before the fix, one more listener per idle poll (1000 here).
    expect(Math.max(...samples)).toBeLessThanOrEqual(1);
    expect(getEventListeners([...signals][0]!, 'abort')).toHaveLength(0);
  });

  describe('through the real SQS client (its HTTP handler listens on the signal during each receive)', () => {
    let server: Server;
    afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    it('300 idle long polls against an empty queue: the count stays constant', async () => {
      let receives = 0;
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          receives++;
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      const { SQSClient } = await import('@aws-sdk/client-sqs');
      const signals = new Set<AbortSignal>();
      const sqsClient = new SQSClient({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      const send = sqsClient.send.bind(sqsClient) as (
        c: unknown,
        o?: { abortSignal?: AbortSignal },
      ) => unknown;
      sqsClient.send = ((command: unknown, options?: { abortSignal?: AbortSignal }) => {
        if (options?.abortSignal) signals.add(options.abortSignal);
        return send(command, options);
      }) as SQSClient['send'];
      const mailer = createMailer(
        { ...config, eventsQueueUrl: `http://127.0.0.1:${port}/000000000000/q` },
        { log, region: 'us-east-1', sqsClient },
      );
      const loop = mailer.startDraining({ waitSeconds: 0, idleMs: 0 });
      const samples: number[] = [];
      try {
        await listenersAfter(
          300,
          () => receives,
          () => signals,
          samples,
        );
      } finally {
        await loop.stop();
        sqsClient.destroy();
      }
      expect(signals.size).toBe(1);
      // The receive in flight (the SDK's listener) or the idle wait, never a pile.
      expect(Math.max(...samples)).toBeLessThanOrEqual(2);
    });
  });
});
