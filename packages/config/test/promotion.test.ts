import { describe, expect, it } from 'vitest';
import { resolve } from '../src/index';
import { app } from './fixtures';

describe('promotesTo', () => {
  it('lists the environments that take their images from this one', () => {
    const config = app({
      environments: {
        dev: { account: '111111111111' },
        staging: { account: '111111111111' },
        prod: { account: '222222222222', region: 'eu-west-1', imagesFrom: 'dev' },
      },
    });
    expect(resolve(config, 'dev').promotesTo).toEqual([
      { stage: 'prod', account: '222222222222', region: 'eu-west-1' },
    ]);
    expect(resolve(config, 'staging').promotesTo).toEqual([]);
    expect(resolve(config, 'prod').promotesTo).toEqual([]);
  });
});

describe('registry', () => {
  it('is created by the first environment of an account and region and shared by the others', () => {
    const config = app({
      environments: {
        dev: { account: '111111111111' },
        staging: { account: '111111111111' },
        prod: { account: '222222222222', imagesFrom: 'dev' },
      },
    });
    expect(resolve(config, 'dev').registry).toBe('create');
    expect(resolve(config, 'staging').registry).toBe('import');
    expect(resolve(config, 'prod').registry).toBe('create');
  });
  it('does not replicate to an environment sharing the same registry', () => {
    const config = app({
      environments: {
        dev: { account: '111111111111' },
        prod: { account: '111111111111', imagesFrom: 'dev' },
      },
    });
    expect(resolve(config, 'dev').promotesTo).toEqual([]);
    expect(resolve(config, 'prod').registry).toBe('import');
  });
});

describe('github.oidcProvider', () => {
  it('is created by the first environment of each account and imported by the others', () => {
    const config = app({
      github: { repository: 'org/app' },
      environments: {
        dev: { account: '111111111111' },
        staging: { account: '111111111111' },
        prod: { account: '222222222222' },
      },
    });
    expect(resolve(config, 'dev').github).toEqual({ repository: 'org/app', oidcProvider: 'create' });
    expect(resolve(config, 'staging').github).toEqual({ repository: 'org/app', oidcProvider: 'import' });
    expect(resolve(config, 'prod').github).toEqual({ repository: 'org/app', oidcProvider: 'create' });
  });
  it('treats environments without an account as one account', () => {
    const config = app({
      github: { repository: 'org/app' },
      environments: { dev: {}, prod: { account: undefined } },
    });
    expect(resolve(config, 'dev').github?.oidcProvider).toBe('create');
    expect(resolve(config, 'prod').github?.oidcProvider).toBe('import');
  });
  it('adopts an existing provider by ARN in every environment (github.oidcProvider: <arn>)', () => {
    const arn = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
    const config = app({
      github: { repository: 'org/app', oidcProvider: arn },
      environments: { dev: { account: '111111111111' }, staging: { account: '111111111111' }, prod: {} },
    });
    expect(resolve(config, 'dev').github).toEqual({
      repository: 'org/app',
      oidcProvider: 'import',
      oidcProviderArn: arn,
    });
    expect(resolve(config, 'staging').github?.oidcProvider).toBe('import');
  });
  it("refuses a provider ARN of another account, or one that is not GitHub's", () => {
    const arn = 'arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com';
    expect(() => resolve(app({ github: { repository: 'org/app', oidcProvider: arn } }), 'prod')).toThrow(
      /github\.oidcProvider: got "arn:aws:iam::999999999999:.*belongs to account 999999999999, but environment "prod" deploys to 123456789012/,
    );
    expect(() =>
      resolve(
        app({ github: { repository: 'org/app', oidcProvider: 'arn:aws:iam::1:oidc-provider/x' } }),
        'prod',
      ),
    ).toThrow(/github\.oidcProvider/);
  });
  it('is absent without a repository', () => {
    expect(resolve(app(), 'prod').github).toBeUndefined();
  });
});
