import { beforeAll, describe, expect, it } from 'vitest';
import { resolve, type AppConfig, type ResolvedApp } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import connect2 from '../../../examples/seeds/connect2/berth.config';
import { allStacks, buildApp } from '../src/index';
import { identifierCollisions, type StackTemplateAt } from '../src/collisions';

/** Every stack of every environment given, as the collision rule reads them. */
function stacksOf(resolved: readonly ResolvedApp[]): StackTemplateAt[] {
  const app = buildApp(resolved);
  const assembly = app.synth();
  return allStacks(app).map((s) => ({
    stackName: s.stackName,
    stage: s.resolved.stage,
    ...(s.resolved.account ? { account: s.resolved.account } : {}),
    region: s.region,
    template: assembly.getNestedAssembly(`assembly-${s.resolved.stage}`).getStackArtifact(s.artifactId)
      .template as StackTemplateAt['template'],
  }));
}
const all = (config: AppConfig) => Object.keys(config.environments).map((e) => resolve(config, e));
const summary = (stacks: StackTemplateAt[]) =>
  identifierCollisions(stacks).map(
    (c) => `${c.type} ${c.identifier}: ${c.first.stackName} + ${c.second.stackName}`,
  );

// GIVEN environments that share an account and region (talent dev + staging: no account; tekalo dev + staging: one)
let talentStacks: StackTemplateAt[];
let tekaloStacks: StackTemplateAt[];
beforeAll(() => {
  talentStacks = stacksOf(all(talent));
  tekaloStacks = stacksOf(all(tekalo));
}, 240_000);

describe('Berth-NoSharedIdentifiers: no two stacks create the same named resource in one place', () => {
  it('passes for talent and tekalo as synthesized: one environment creates, the others import', () => {
    expect(summary(talentStacks)).toEqual([]);
    expect(summary(tekaloStacks)).toEqual([]);
  });

  it('SES identity: fires when both environments of one account create it (the shape before mail.identity)', () => {
    const [dev, staging] = all(tekalo);
    const creating = [dev!, staging!].map((r) => ({
      ...r,
      mail: { ...r.mail!, identity: 'create' as const },
    }));
    expect(summary(stacksOf(creating))).toEqual([
      'AWS::SES::EmailIdentity tekalo.org: tekalo-dev + tekalo-staging',
    ]);
    // …and staging now imports dev's.
    expect(staging!.mail?.identity).toBe('import');
  });

  it('GitHub OIDC provider: fires when two environments of one account create it', () => {
    const [dev, staging] = all(talent).map((r) => ({
      ...r,
      github: { repository: 'acme/talent', oidcProvider: 'create' as const },
    }));
    expect(summary(stacksOf([dev!, staging!]))).toContain(
      'AWS::IAM::OIDCProvider https://token.actions.githubusercontent.com: talent-dev + talent-staging',
    );
  });

  it('ECR repositories: fire when two environments of one account and region both create them', () => {
    const [dev, staging] = all(talent).map((r) => ({ ...r, registry: 'create' as const }));
    expect(summary(stacksOf([dev!, staging!]))).toContain(
      'AWS::ECR::Repository talent/api: talent-dev + talent-staging',
    );
  });

  it('launch template names: fires on the fixed InstanceLaunchTemplate the bastion once had, passes now', () => {
    const fixed = (stackName: string, stage: string): StackTemplateAt => ({
      stackName,
      stage,
      region: 'us-west-2',
      template: {
        Resources: {
          BastionInstanceLaunchTemplate: {
            Type: 'AWS::EC2::LaunchTemplate',
            Properties: { LaunchTemplateName: 'InstanceLaunchTemplate' },
          },
        },
      },
    });
    expect(summary([fixed('connect2-dev', 'dev'), fixed('connect2-staging', 'staging')])).toEqual([
      'AWS::EC2::LaunchTemplate InstanceLaunchTemplate: connect2-dev + connect2-staging',
    ]);
    // connect2's three environments (one account, one region, a bastion each) as synthesized today.
    expect(summary(stacksOf(all(connect2)))).toEqual([]);
  }, 240_000);

  it('does not fire across accounts, nor across regions for regional resources', () => {
    const at = (account: string | undefined, region: string, type: string, props: Record<string, unknown>) =>
      ({
        stackName: `s-${account}-${region}`,
        stage: region,
        ...(account ? { account } : {}),
        region,
        template: { Resources: { R: { Type: type, Properties: props } } },
      }) satisfies StackTemplateAt;
    const repo = { RepositoryName: 'shop/api' };
    expect(
      identifierCollisions([
        at('1', 'us-east-1', 'AWS::ECR::Repository', repo),
        at('2', 'us-east-1', 'AWS::ECR::Repository', repo),
      ]),
    ).toEqual([]);
    expect(
      identifierCollisions([
        at('1', 'us-east-1', 'AWS::ECR::Repository', repo),
        at('1', 'eu-west-1', 'AWS::ECR::Repository', repo),
      ]),
    ).toEqual([]);
    // IAM is global to the account: the same role name in two regions collides.
    const role = { RoleName: 'shop-deployer' };
    expect(
      identifierCollisions([
        at('1', 'us-east-1', 'AWS::IAM::Role', role),
        at('1', 'eu-west-1', 'AWS::IAM::Role', role),
      ]),
    ).toHaveLength(1);
  });
});
