import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkHost, checkStateChange, parseHost, sessionToken } from '../src/console/guard';
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

  it('a state change needs a local Origin (or none) and the session token', () => {
    const token = sessionToken();
    expect(checkStateChange(req('GET', { origin: 'https://attacker.example' }), 4000, token)).toBeUndefined();
    expect(checkStateChange(req('POST', { 'x-berth-token': token }), 4000, token)).toBeUndefined();
    expect(
      checkStateChange(req('POST', { origin: 'http://localhost:4000', 'x-berth-token': token }), 4000, token),
    ).toBeUndefined();
    const foreign = checkStateChange(
      req('POST', { origin: 'https://attacker.example', 'x-berth-token': token }),
      4000,
      token,
    );
    expect(foreign?.status).toBe(403);
    expect(
      checkStateChange(req('POST', { origin: 'http://localhost:4001', 'x-berth-token': token }), 4000, token)
        ?.status,
    ).toBe(403);
    expect(
      checkStateChange(req('POST', { 'sec-fetch-site': 'cross-site', 'x-berth-token': token }), 4000, token)
        ?.status,
    ).toBe(403);
    expect(checkStateChange(req('POST', {}), 4000, token)?.message).toMatch(/without the session token/);
    expect(checkStateChange(req('DELETE', { 'x-berth-token': sessionToken() }), 4000, token)?.status).toBe(
      403,
    );
  });

  it('--max-body takes bytes or kb/mb/gb', () => {
    expect(parseSize('5mb')).toBe(5 * 1024 * 1024);
    expect(parseSize('512KiB')).toBe(512 * 1024);
    expect(parseSize('1000')).toBe(1000);
    expect(() => parseSize('lots')).toThrow(/--max-body: 'lots' is not a size/);
  });
});
