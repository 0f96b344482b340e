import { App, DefaultStackSynthesizer, Stage } from 'aws-cdk-lib';
import { stackName, type ResolvedApp } from '@berthjs/config';
import { lintRegionOf } from './cfn-lint';
import { BerthStack, CdnCertificateStack, needsCdnCertificateStack, StandbyStack } from './stack';

export interface BuildAppOptions {
  /** Where the cloud assembly goes. @default - a temporary directory chosen by the CDK */
  readonly outdir?: string;
  /** Default of each stack's ImageTag parameter. @default - the `imageTag` context value, else 'latest' */
  readonly imageTag?: string;
}

/**
 * ResolvedApp(s) → a CDK App with one Stage per environment, each holding the app's stack. Needs no AWS credentials
 * and makes no lookups: AZs, hosted zones and prefix lists all come from the config or from tables in this package.
 */
export function buildApp(resolved: ResolvedApp | readonly ResolvedApp[], options: BuildAppOptions = {}): App {
  const list = Array.isArray(resolved) ? (resolved as readonly ResolvedApp[]) : [resolved as ResolvedApp];
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    analyticsReporting: false,
    // `berth check` runs its own packs; the CDK's built-in validation would print at every synth and double its time.
    builtinCloudFormationValidation: false,
    context: {
      // S3 server access logs are granted by bucket policy, so the log bucket can keep ACLs disabled.
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      // Cross-region references (certificate and standby stacks) stay strong: a producer cannot drop a value its
      // consumer still reads, e.g. the primary database ARN the standby replica follows.
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
    },
  });
  const imageTag = options.imageTag ?? (app.node.tryGetContext('imageTag') as string | undefined) ?? 'latest';
  for (const r of list) {
    const account = r.account ? { account: r.account } : {};
    const stage = new Stage(app, r.stage, { env: { region: r.region, ...account } });
    const tags = { 'berth:app': r.app, 'berth:stage': r.stage };
    // Stacks in other regions of the same Stage exchange values through CDK cross-region references.
    const crossRegion = needsCdnCertificateStack(r) || !!r.standby;
    const certificate = needsCdnCertificateStack(r)
      ? new CdnCertificateStack(stage, 'Certificate', {
          resolved: r,
          env: { region: 'us-east-1', ...account },
          stackName: stackName(r, 'certificate'),
          description: `Berth: ${r.app} (${r.stage}) CloudFront certificate`,
          crossRegionReferences: true,
          synthesizer: new DefaultStackSynthesizer(),
          tags,
        })
      : undefined;
    const primary = new BerthStack(stage, 'App', {
      resolved: r,
      stackName: stackName(r),
      imageTag,
      description: `Berth: ${r.app} (${r.stage})`,
      synthesizer: new DefaultStackSynthesizer(),
      tags,
      ...(crossRegion ? { crossRegionReferences: true } : {}),
      ...(certificate ? { cdnCertificate: certificate.distributionCertificate } : {}),
      ...(certificate?.waf ? { cdnWebAclArn: certificate.waf.webAcl.attrArn } : {}),
    });
    if (r.standby) {
      new StandbyStack(stage, 'Standby', {
        resolved: r,
        primary,
        imageTag,
        env: { region: r.standby.region, ...account },
        stackName: stackName(r, 'standby'),
        description: `Berth: ${r.app} (${r.stage}) pilot-light standby in ${r.standby.region}`,
        crossRegionReferences: true,
        synthesizer: new DefaultStackSynthesizer(),
        tags,
      });
    }
  }
  // Each template names its region for cfn-lint, so one lint process checks each against its own region.
  for (const stack of allStacks(app)) lintRegionOf(stack);
  return app;
}

/** Every stack of an app built by buildApp (app, certificate, standby), with its environment. */
export function allStacks(app: App): (BerthStack | CdnCertificateStack | StandbyStack)[] {
  return app.node
    .findAll()
    .filter(
      (c): c is BerthStack | CdnCertificateStack | StandbyStack =>
        c instanceof BerthStack || c instanceof CdnCertificateStack || c instanceof StandbyStack,
    );
}

/** The Berth stacks of an app built by buildApp, in environment order. */
export function berthStacks(app: App): BerthStack[] {
  return app.node.findAll().filter((c): c is BerthStack => c instanceof BerthStack);
}
