import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createMailer, type Db } from '../src/index';
import { createTestDatabase, startSesLocal, type LocalSes, type TestDatabase } from '../../../test/support';
import { captureLog } from './support/log';

const { log, lines } = captureLog();

function snsEnvelope(message: object, id: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: id,
    TopicArn: 'arn:aws:sns:us-east-1:1:bounces',
    Message: JSON.stringify(message),
  });
}

describe('mail (aws-ses-v2-local + PostgreSQL suppressions)', () => {
  let ses: LocalSes;
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    [ses, database] = await Promise.all([startSesLocal(), createTestDatabase()]);
    db = createDb({ secret: database.secret }, { log });
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
    await ses?.close();
  });

  const mailer = (allowList: string[] | null) =>
    createMailer(
      { from: 'Talent <no-reply@talent.example.com>', allowList },
      { db, log, region: 'us-east-1', endpoint: ses.endpoint },
    );

  it('outside prod: allow-listed addresses and @domains are sent, anyone else never reaches SES', async () => {
    const m = mailer(['ann@outside.example', '@example.com']);
    expect(
      await m.send({
        to: 'Ann <ANN@outside.example>',
        subject: 'Hi Ann',
        text: 'hello',
        html: '<p>hello</p>',
      }),
    ).toMatchObject({
      status: 'sent',
      messageId: expect.any(String),
    });
    expect(await m.send({ to: 'bob@example.com', subject: 'Hi Bob', text: 'hello' })).toMatchObject({
      status: 'sent',
    });
    expect(await m.send({ to: 'eve@real-applicant.org', subject: 'Hi Eve', text: 'hello' })).toEqual({
      status: 'dropped',
    });
    expect(await m.send({ to: 'mallory@example.com.evil.org', subject: 'Hi M', text: 'hello' })).toEqual({
      status: 'dropped',
    });

    const stored = await ses.messages();
    // SES receives the parsed address, the very string the allow-list checked.
    expect(stored.map((s) => s.to)).toEqual(['ann@outside.example', 'bob@example.com']);
    expect(stored[0]).toMatchObject({ subject: 'Hi Ann', text: 'hello', html: '<p>hello</p>' });
    const dropped = lines.find((l) => l.msg === 'mail: dropped, recipient not on the allow-list');
    expect(dropped?.to).toBe('e***@real-applicant.org');
    expect(JSON.stringify(lines)).not.toContain('eve@real-applicant.org');
  });

  it('a list in one recipient entry is refused, so an allowed address cannot carry another one to SES', async () => {
    const m = mailer(['@example.com']);
    const before = (await ses.messages()).length;
    for (const to of [
      'Victim <victim@evil.org>, Ann <a@example.com>',
      'victim@evil.org, a@example.com',
      'victim@evil.org; a@example.com',
      'Friends: victim@evil.org, a@example.com;',
    ])
      await expect(m.send({ to, subject: 's', text: 't' }), to).rejects.toMatchObject({
        statusCode: 400,
        code: 'INVALID_ADDRESS',
      });
    expect((await ses.messages()).length).toBe(before);
  });

  it('CR, LF or NUL in the subject, recipient, reply-to or display name is refused before SES', async () => {
    const m = mailer(['@example.com']);
    const before = (await ses.messages()).length;
    const cases = [
      { to: 'a@example.com', subject: 'Hi\r\nBcc: victim@evil.org', text: 't' },
      { to: 'a@example.com', subject: 'Hi\nX-Spam: no', text: 't' },
      { to: 'a@example.com', subject: 'Hi\u0000', text: 't' },
      { to: 'Ann\r\n <a@example.com>', subject: 's', text: 't' },
      { to: 'a@example.com\r\nBcc: victim@evil.org', subject: 's', text: 't' },
      { to: 'a@example.com', replyTo: 'r@example.com\r\nBcc: victim@evil.org', subject: 's', text: 't' },
    ];
    for (const message of cases)
      await expect(m.send(message), JSON.stringify(message)).rejects.toMatchObject({
        statusCode: 400,
        code: expect.stringMatching(/^INVALID_(HEADER|ADDRESS)$/),
      });
    expect((await ses.messages()).length).toBe(before);
    expect(() =>
      createMailer(
        { from: 'Talent\r\nBcc: victim@evil.org <no-reply@talent.example.com>', allowList: null },
        { log, region: 'us-east-1', endpoint: ses.endpoint },
      ),
    ).toThrow(/from contains a line break/);
  });

  it('look-alike recipients stay stopped: the parsed domain decides, not a suffix of the string', async () => {
    const m = mailer(['ann@outside.example', '@example.com']);
    const dropped = [
      'mallory@example.com.evil.org',
      'mallory@evilexample.com',
      'mallory@sub.example.com',
      'mallory@exаmple.com', // Cyrillic а: a different domain (xn--…) once converted to ASCII
      'evil@evil.org (a@example.com)',
      'ann@outside.example.evil.org',
      'Ann <ann@outside.example.evil.org>',
      '"a@example.com" <victim@evil.org>',
    ];
    for (const to of dropped)
      expect(await m.send({ to, subject: 's', text: 't' }), to).toEqual({ status: 'dropped' });
    for (const to of [
      '"a@example.com"@evil.org',
      'a@[127.0.0.1]',
      'a@localhost',
      '<>',
      'a@example.com@evil.org',
    ])
      await expect(m.send({ to, subject: 's', text: 't' }), to).rejects.toMatchObject({
        code: 'INVALID_ADDRESS',
      });
    const before = (await ses.messages()).length;
    expect(
      await m.send({
        to: 'Ann <Ann@Outside.Example>',
        replyTo: 'Desk <Desk@Example.com>',
        subject: 's',
        text: 't',
      }),
    ).toMatchObject({ status: 'sent' });
    const last = (await ses.messages()).slice(before);
    expect(last.map((s) => s.to)).toEqual(['ann@outside.example']);
  });

  it('in prod (allowList null) everyone is sent', async () => {
    const before = (await ses.messages()).length;
    expect(await mailer(null).send({ to: 'someone@anywhere.org', subject: 's', text: 't' })).toMatchObject({
      status: 'sent',
    });
    expect((await ses.messages()).length).toBe(before + 1);
  });

  it('a permanent bounce (SNS envelope) suppresses the address; later sends never reach SES', async () => {
    const m = mailer(null);
    const result = await m.handleNotification(
      snsEnvelope(
        {
          notificationType: 'Bounce',
          bounce: {
            bounceType: 'Permanent',
            bounceSubType: 'General',
            bouncedRecipients: [{ emailAddress: 'Gone@Example.org' }],
          },
          mail: { messageId: 'x' },
        },
        'm-1',
      ),
    );
    expect(result).toEqual({ suppressed: ['gone@example.org'], duplicate: false });
    const { rows } = await db.query<{ address: string; reason: string }>(
      'SELECT address, reason FROM berth_mail_suppressions',
    );
    expect(rows).toEqual([{ address: 'gone@example.org', reason: 'bounce:General' }]);

    const before = (await ses.messages()).length;
    expect(await m.send({ to: 'gone@example.org', subject: 's', text: 't' })).toEqual({
      status: 'suppressed',
    });
    expect((await ses.messages()).length).toBe(before);
  });

  it('complaints (event publishing shape, object body) suppress; transient bounces and confirmations do not', async () => {
    const m = mailer(null);
    expect(
      await m.handleNotification({
        eventType: 'Complaint',
        complaint: {
          complaintFeedbackType: 'abuse',
          complainedRecipients: [{ emailAddress: 'angry@example.org' }],
        },
      }),
    ).toEqual({ suppressed: ['angry@example.org'], duplicate: false });
    expect(
      await m.handleNotification(
        snsEnvelope(
          {
            notificationType: 'Bounce',
            bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'full@example.org' }] },
          },
          'm-2',
        ),
      ),
    ).toEqual({ suppressed: [], duplicate: false });
    expect(
      await m.handleNotification({ Type: 'SubscriptionConfirmation', SubscribeURL: 'https://sns.example' }),
    ).toEqual({ suppressed: [], duplicate: false });
    expect(await m.isSuppressed('angry@example.org')).toBe(true);
    expect(await m.isSuppressed('full@example.org')).toBe(false);
    await m.suppress('manual@example.org', 'support ticket 42');
    expect(await m.send({ to: 'manual@example.org', subject: 's', text: 't' })).toEqual({
      status: 'suppressed',
    });
    await expect(m.handleNotification('not json')).rejects.toMatchObject({ statusCode: 400 });
  });

  it('without a database, suppressions live in memory', async () => {
    const m = createMailer(
      { from: 'no-reply@talent.example.com', allowList: null },
      { log, region: 'us-east-1', endpoint: ses.endpoint },
    );
    await m.suppress('x@example.org', 'test');
    expect(await m.send({ to: 'x@example.org', subject: 's', text: 't' })).toEqual({ status: 'suppressed' });
    // Idempotent in memory too: the same SNS message twice is one event.
    const event = snsEnvelope(
      { eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'y@example.org' }] } },
      'm-3',
    );
    expect(await m.handleNotification(event)).toEqual({ suppressed: ['y@example.org'], duplicate: false });
    expect(await m.handleNotification(event)).toEqual({ suppressed: [], duplicate: true });
  });
});
