import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, createLogger, createMailer, createRuntime, fastifyOptions } from '../../runtime/src/index';
import { contractEnv, freePort } from '../../../test/support';
import { formatLine } from '../src/terminal/logs';
import { droppedMail, startMail, type LocalMail } from '../src/peers/ses/mail';
import { Terminal } from '../src/terminal/terminal';

/** JSON lines exactly as the runtime writes them. */
function runtimeLogger(lines: string[]) {
  return createLogger({
    service: 'api',
    stage: 'dev',
    level: 'info',
    destination: { write: (s: string) => void lines.push(s) },
  });
}

describe('berth dev shows what the runtime logs', () => {
  let mail: LocalMail | undefined;
  afterAll(async () => {
    await mail?.stop();
  });

  it('an access line is one short line; its client and user agent only with --verbose-access', async () => {
    const lines: string[] = [];
    const runtime = createRuntime({ env: contractEnv(), logger: runtimeLogger(lines) });
    const app = Fastify(fastifyOptions(runtime));
    await app.register(berth, { runtime });
    app.post('/things', async (_req, reply) => reply.code(201).send({ ok: true }));
    await app.inject({
      method: 'POST',
      url: '/things?page=2',
      headers: {
        authorization: 'Bearer sekrit-token',
        'user-agent': 'curl/8.5.0',
        'content-type': 'application/json',
      },
      payload: '{}',
    });
    await app.close();
    const access = lines.find((l) => JSON.parse(l).msg === 'request');
    expect(access, lines.join('')).toBeDefined();

    const quiet = formatLine(access!).text;
    expect(quiet).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}request POST \/things\?page=2 → 201 \d+ms/);
    expect(quiet).not.toMatch(/user-agent|headers|remoteAddress|sekrit/);

    const verbose = formatLine(access!, { verboseAccess: true }).text;
    expect(verbose).toMatch(/request POST \/things\?page=2 → 201 \d+ms/);
    expect(verbose).toContain('userAgent=curl/8.5.0');
    expect(verbose).toContain('remoteAddress=');
    expect(verbose).not.toContain('sekrit');
  });

  it('a message the mailer drops (allow-list) shows in the outbox, marked dropped with the reason', async () => {
    const port = await freePort();
    const accessKeyId = 'AKIDBERTHTEST0000001';
    mail = await startMail({
      port,
      file: '/dev/null',
      credentials: { accessKeyId, secretAccessKey: 'secret' },
    });
    const allowList = ['@example.com'];
    const lines: string[] = [];
    const mailer = createMailer(
      { from: 'Talent <no-reply@example.com>', allowList },
      {
        log: runtimeLogger(lines),
        region: 'us-east-1',
        endpoint: mail.endpoint,
      },
    );
    process.env.AWS_ACCESS_KEY_ID = accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    expect((await mailer.send({ to: 'ada@example.com', subject: 'Welcome', text: 'hi' })).status).toBe(
      'sent',
    );
    expect(
      (await mailer.send({ to: 'Bob <bob@gmail.com>', subject: 'Your application', text: 'x' })).status,
    ).toBe('dropped');

    // The runtime's own lines go through the terminal as a service's output does; the session's tap records drops.
    const out = { isTTY: false, write: () => true };
    const term = new Terminal(out as unknown as NodeJS.WriteStream);
    term.onEntry = (source, entry) => {
      const dropped = droppedMail(source, entry, allowList);
      if (dropped) mail!.recordDropped(dropped);
    };
    for (const l of lines) term.format('api', l);

    const outbox = mail.outbox();
    expect(outbox).toHaveLength(2);
    const dropped = outbox.find((m) => m.status === 'dropped');
    expect(dropped).toMatchObject({
      to: ['b***@gmail.com'],
      subject: 'Your application',
      reason: 'recipient not on the allow-list (@example.com)',
      source: 'api',
    });
    expect(outbox.find((m) => m.status === 'sent')).toMatchObject({
      to: ['ada@example.com'],
      subject: 'Welcome',
    });
    // A line that is not a drop adds nothing.
    term.format('api', JSON.stringify({ level: 30, msg: 'mail: sent', to: 'a***@example.com' }));
    expect(mail.outbox()).toHaveLength(2);
  });
});
