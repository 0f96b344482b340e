import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkConsoleCall, checkHost, ConsoleAuth, parseHost, sessionToken } from '../src/console/guard';
import { parseSize } from '../src/run';

const app = new Set(['cms.example.com']);
const req = (method: string, headers: Record<string, string>) =>
  ({ method, headers }) as unknown as IncomingMessage;

describe('berth dev: which requests it answers', () => {
  it('parses Host headers with and without ports, IPv6 in brackets', () => {
    expect(parseHost('API.localhost:4000')).toEqual({ name: 'api.localhost', port: 4000 });
    expect(parseHost('[::1]:4000')).toEqual({ name: '::1', port: 4000 });
    expect(parseHost('localhost')).toEqual({ name: 'localhost' });
    expect(parseHost('bad host')).toBeUndefined();
  });

  it('the console answers loopback names on its port only', () => {
    for (const h of ['localhost:4000', '127.0.0.1:4000', '[::1]:4000', 'localhost'])
      expect(checkHost(h, 4000, { console: true, appHosts: app }), h).toBeUndefined();
    for (const h of ['attacker.example:4000', 'api.localhost:4000', 'localhost:4001', undefined, '']) {
      expect(checkHost(h, 4000, { console: true, appHosts: app })?.status, String(h)).toBe(421);
    }
  });

  it('the router also answers *.localhost and the app’s own full host names, nothing else', () => {
    for (const h of ['api.localhost:4000', 'cms.example.com:4000', 'localhost:4000'])
      expect(checkHost(h, 4000, { console: false, appHosts: app }), h).toBeUndefined();
    const refused = checkHost('api.attacker.example:4000', 4000, { console: false, appHosts: app });
    expect(refused?.status).toBe(421);
    expect(refused?.message).toMatch(
      /refuses Host 'api\.attacker\.example:4000'.*cms\.example\.com on port 4000/,
    );
  });

  it('every console call needs a caller: the script token or this run’s session cookie; else 401', () => {
    const auth = new ConsoleAuth();
    const status = (r: ReturnType<typeof checkConsoleCall>) => ('status' in r ? r.status : r.caller);
    expect(status(checkConsoleCall(req('GET', {}), 4000, auth))).toBe(401);
    expect(status(checkConsoleCall(req('GET', { 'x-berth-token': auth.token }), 4000, auth))).toBe('script');
    expect(status(checkConsoleCall(req('GET', { 'x-berth-token': sessionToken() }), 4000, auth))).toBe(401);
    // The one-time sign-in token opens a session once; the cookie is what authorizes afterwards.
    const path = auth.loginPath();
    const token = new URL(path, 'http://localhost').searchParams.get('token');
    const session = auth.redeem(token)!;
    expect(session).toMatch(/^[\w-]{40,}$/);
    expect(auth.redeem(token)).toBeUndefined();
    expect(auth.loginPath()).not.toBe(path);
    const cookie = `other=1; berth_console_4000=${session}`;
    expect(status(checkConsoleCall(req('GET', { cookie }), 4000, auth))).toBe('browser');
    // Named after the port: the same value under another port's name is not this run's session.
    expect(
      status(checkConsoleCall(req('GET', { cookie: `berth_console_4001=${session}` }), 4000, auth)),
    ).toBe(401);
    // A session of another run (another ConsoleAuth) is refused.
    const other = new ConsoleAuth();
    const foreign = other.redeem(new URL(other.loginPath(), 'http://x').searchParams.get('token'))!;
    expect(
      status(checkConsoleCall(req('GET', { cookie: `berth_console_4000=${foreign}` }), 4000, auth)),
    ).toBe(401);
    expect(auth.cookie(4000, session)).toBe(
      `berth_console_4000=${session}; Path=/_berth; HttpOnly; SameSite=Strict`,
    );
  });

  it('a state change also needs a local Origin (or none), and from a browser the console page’s header', () => {
    const auth = new ConsoleAuth();
    const token = auth.token;
    const check = (method: string, headers: Record<string, string>) => {
      const r = checkConsoleCall(req(method, headers), 4000, auth);
      return 'status' in r ? r.status : r.caller;
    };
    expect(check('GET', { origin: 'https://attacker.example', 'x-berth-token': token })).toBe('script');
    expect(check('POST', { 'x-berth-token': token })).toBe('script');
    expect(check('POST', { origin: 'http://localhost:4000', 'x-berth-token': token })).toBe('script');
    expect(check('POST', { origin: 'https://attacker.example', 'x-berth-token': token })).toBe(403);
    expect(check('POST', { origin: 'http://localhost:4001', 'x-berth-token': token })).toBe(403);
    expect(check('POST', { 'sec-fetch-site': 'cross-site', 'x-berth-token': token })).toBe(403);
    expect(check('POST', {})).toBe(401);
    expect(check('DELETE', { 'x-berth-token': sessionToken() })).toBe(401);
    const session = auth.redeem(new URL(auth.loginPath(), 'http://x').searchParams.get('token'))!;
    const cookie = `berth_console_4000=${session}`;
    expect(check('POST', { cookie, origin: 'http://localhost:4000' })).toBe(403);
    expect(check('POST', { cookie, origin: 'http://localhost:4000', 'x-berth-console': '1' })).toBe(
      'browser',
    );
    expect(check('POST', { cookie, origin: 'http://api.localhost:4000', 'x-berth-console': '1' })).toBe(403);
  });

  it('--max-body takes bytes or kb/mb/gb', () => {
    expect(parseSize('5mb')).toBe(5 * 1024 * 1024);
    expect(parseSize('512KiB')).toBe(512 * 1024);
    expect(parseSize('1000')).toBe(1000);
    expect(() => parseSize('lots')).toThrow(/--max-body: 'lots' is not a size/);
  });
});
