import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main';

afterEach(() => vi.restoreAllMocks());

async function help(...command: string[]): Promise<{ code: number; text: string }> {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const code = await main(['node', 'berth', ...command, '--help']);
  return { code, text: out.join('').replace(/\s+/g, ' ') };
}

describe('--help of the day-2 commands', () => {
  it.each([
    [['status'], /each service's tasks .*alarms in ALARM.*jobs' last runs.*database's state/s, /--json/],
    [['logs'], /CloudWatch log, pretty like berth dev's.*--follow/s, /--previous/],
    [['exec'], /ECS Exec into a running task.*session-manager-plugin/s, /services\.<name>\.exec/],
    [
      ['tunnel'],
      /forward a local port to the database or cache through the bastion/,
      /psql\/redis-cli|--port/,
    ],
    [['secrets', 'set'], /create the secret .*or store a new value/s, /--env/],
    [
      ['failover'],
      /fail over to the pilot-light standby, calling only the standby region/,
      /cannot be undone/,
    ],
    [
      ['destroy'],
      /delete an environment's stacks after showing what goes and what is kept/,
      /--confirm <stage>/,
    ],
  ])('berth %s --help names what it does', async (command, does, option) => {
    const { code, text } = await help(...command);
    expect(code).toBe(0);
    expect(text).toMatch(does);
    expect(text).toMatch(option);
    expect(text).toMatch(/-e, --env <stage>|Commands:/);
  });
});
