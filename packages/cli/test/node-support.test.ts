import { describe, expect, it } from 'vitest';
import { nodeSupportNotice } from '../src/node-support';

describe('the Node 20 notice', () => {
  it('is one line on Node 20 for the commands that call AWS', () => {
    const notice = nodeSupportNotice('v20.19.0', 'deploy');
    expect(notice).toMatch(
      /^berth: note: Node 20\.19\.0 is past its end of life.*Upgrade to Node 22 or 24\.$/,
    );
    expect(notice).not.toMatch(/\n/);
    expect(nodeSupportNotice('v20.19.0', 'run-job')).toBeDefined();
  });
  it('says nothing on Node 22 and 24, or for commands that make no AWS call', () => {
    expect(nodeSupportNotice('v22.12.0', 'deploy')).toBeUndefined();
    expect(nodeSupportNotice('v24.1.0', 'deploy')).toBeUndefined();
    expect(nodeSupportNotice('v20.19.0', 'check')).toBeUndefined();
    expect(nodeSupportNotice('v20.19.0', undefined)).toBeUndefined();
  });
});
