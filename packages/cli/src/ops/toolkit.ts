import { StackParameters, StackSelectionStrategy, Toolkit, type IIoHost } from '@aws-cdk/toolkit-lib';
import type { ResolvedApp } from '@berthjs/config';
import { buildApp } from '@berthjs/infra';

export interface StackDeployment {
  readonly resolved: ResolvedApp;
  readonly imageTag: string;
  /**
   * Import resources that already exist under the stack's names (the ECR repositories `berth deploy` created before
   * the first deploy so it could push), through a change set with ImportExistingResources.
   */
  readonly importExisting: boolean;
}

/** Deploys every stack of one environment; `berth deploy` takes one so tests need no CloudFormation. */
export interface StackDeployer {
  deploy(
    deployment: StackDeployment,
    progress: (line: string) => void,
  ): Promise<{ readonly stacks: readonly string[] }>;
}

/** An IoHost that prints the toolkit's progress (info and above) and answers its questions non-interactively. */
export function progressIoHost(progress: (line: string) => void): IIoHost {
  return {
    async notify(msg) {
      if (msg.level === 'error' || msg.level === 'warn' || msg.level === 'result' || msg.level === 'info') {
        const text = msg.message.trim();
        if (text) for (const line of text.split('\n')) progress(`  ${line}`);
      }
    },
    async requestResponse(msg) {
      // berth deploy deploys what `berth check` passed and never waits on a prompt (CI has no terminal): confirmations
      // are answered yes, anything else with the toolkit's default.
      return (typeof msg.defaultResponse === 'boolean' ? true : msg.defaultResponse) as never;
    },
  };
}

/** The AWS CDK toolkit library: synthesizes in-process and deploys with the ImageTag parameter set. */
export const cdkToolkit: StackDeployer = {
  async deploy({ resolved, imageTag, importExisting }, progress) {
    const toolkit = new Toolkit({ ioHost: progressIoHost(progress), emojis: false, color: false });
    const source = await toolkit.fromAssemblyBuilder(async (props) =>
      buildApp(resolved, { ...(props.outdir ? { outdir: props.outdir } : {}), imageTag }).synth(),
    );
    const result = await toolkit.deploy(source, {
      stacks: { strategy: StackSelectionStrategy.ALL_STACKS },
      parameters: StackParameters.withExisting({ ImageTag: imageTag }),
      ...(importExisting
        ? { deploymentMethod: { method: 'change-set', importExistingResources: true } }
        : {}),
    });
    return { stacks: result.stacks.map((s) => s.stackName) };
  },
};
