import { App, DefaultStackSynthesizer, Stage } from 'aws-cdk-lib';
import type { ResolvedApp } from '@berth/config';
import { BerthStack } from './stack';

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
    },
  });
  const imageTag = options.imageTag ?? (app.node.tryGetContext('imageTag') as string | undefined) ?? 'latest';
  for (const r of list) {
    const stage = new Stage(app, r.stage, {
      env: { region: r.region, ...(r.account ? { account: r.account } : {}) },
    });
    new BerthStack(stage, 'App', {
      resolved: r,
      stackName: `${r.app}-${r.stage}`,
      imageTag,
      description: `Berth: ${r.app} (${r.stage})`,
      synthesizer: new DefaultStackSynthesizer(),
      tags: { 'berth:app': r.app, 'berth:stage': r.stage },
    });
  }
  return app;
}

/** The Berth stacks of an app built by buildApp, in environment order. */
export function berthStacks(app: App): BerthStack[] {
  return app.node.findAll().filter((c): c is BerthStack => c instanceof BerthStack);
}
