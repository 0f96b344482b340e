import { describe, expect, it } from 'vitest';
import { resolve } from '../src/index';
import { app, problems } from './fixtures';

describe('uses.buckets access', () => {
  it('makes a bucket that holds env files read-only by default, every other bucket read-write', () => {
    const r = resolve(
      app({
        buckets: { uploads: {}, config: {} },
        services: { api: { envFiles: ['config/api.env'] } },
      }),
      'prod',
    );
    // The cms lists no env files, but the bucket holds the api's: it reads it too, and only reads.
    for (const s of ['api', 'cms'])
      expect(r.services[s]!.uses.bucketAccess).toEqual({ uploads: 'read-write', config: 'read' });
  });
  it('takes an explicit access, and names as before', () => {
    const r = resolve(
      app({
        buckets: { uploads: {}, config: {} },
        services: {
          api: {
            envFiles: ['config/api.env'],
            uses: { buckets: [{ name: 'config', access: 'read-write' }, 'uploads'] },
          },
          cms: { uses: { buckets: [{ name: 'uploads', access: 'read' }] } },
        },
      }),
      'prod',
    );
    expect(r.services.api!.uses).toMatchObject({
      buckets: ['config', 'uploads'],
      bucketAccess: { config: 'read-write', uploads: 'read-write' },
    });
    expect(r.services.cms!.uses).toMatchObject({ buckets: ['uploads'], bucketAccess: { uploads: 'read' } });
  });
  it('refuses an access it does not know, naming the allowed ones', () => {
    expect(
      problems(
        app({ services: { api: { uses: { buckets: [{ name: 'uploads', access: 'write' }] } } } }),
      ).join('\n'),
    ).toMatch(/services\.api\.uses\.buckets\.0: .*expected one of "read"\|"read-write"/);
  });
  it('refuses an undeclared bucket given as { name, access }', () => {
    expect(
      problems(app({ services: { api: { uses: { buckets: [{ name: 'x', access: 'read' }] } } } })),
    ).toContain('services.api.uses.buckets: unknown bucket "x"; declared: uploads');
  });
});

describe('mail.senders', () => {
  it('defaults a sender to any address at the domain', () => {
    const r = resolve(app({ mail: { senders: { auth0: {} } } }), 'prod');
    expect(r.mail!.senders).toEqual({ auth0: { name: 'auth0', from: ['*@shop.example.com'] } });
  });
  it('refuses a from address outside the sending domain, naming what is allowed', () => {
    expect(problems(app({ mail: { senders: { auth0: { from: ['no-reply@other.org'] } } } }))).toContain(
      "mail.senders.auth0.from.0: got \"no-reply@other.org\"; expected 'name@shop.example.com' or '*@shop.example.com' (an address at the sending domain or a subdomain)",
    );
  });
});

describe('events.partnerSources', () => {
  const source = 'aws.partner/auth0.com/shop-prod-0123/auth0.logs';
  it('takes a partner event source per environment', () => {
    const cfg = app({
      environments: {
        dev: {},
        staging: {},
        prod: { account: '123456789012', overrides: { events: { partnerSources: [source] } } },
      },
    });
    expect(resolve(cfg, 'prod').events.partnerSources).toEqual([source]);
    expect(resolve(cfg, 'dev').events.partnerSources).toEqual([]);
  });
  it("refuses a name that is not EventBridge's partner source pattern, and a duplicate", () => {
    const found = problems(app({ events: { partnerSources: ['auth0.com/logs', source, source] } }));
    expect(found.join('\n')).toMatch(
      /events\.partnerSources\.0: got "auth0\.com\/logs"; expected a partner event source name/,
    );
    expect(found.join('\n')).toMatch(/events\.partnerSources\.2: .* is listed twice/);
  });
});
