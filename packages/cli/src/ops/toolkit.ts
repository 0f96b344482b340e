import { StackParameters, StackSelectionStrategy, Toolkit, type IIoHost } from '@aws-cdk/toolkit-lib';
import type { TemplateDiff } from '@aws-cdk/cloudformation-diff';
import type { ResolvedApp } from '@berthjs/config';
import { buildApp } from '@berthjs/infra';
import { fromTemplateDiff, summarize } from './diff';
import { unallowed } from './guard';

export interface StackDeployment {
  readonly resolved: ResolvedApp;
  readonly imageTag: string;
  /**
   * Import resources that already exist under the stack's names (the ECR repositories `berth deploy` created before
   * the first deploy so it could push), through a change set with ImportExistingResources.
   */
  readonly importExisting: boolean;
  /**
   * What `berth deploy`'s guard allowed: stateful resources that may be replaced or removed. The toolkit's own
   * confirmation (its diff of the change set) is answered by the same rule: anything else destructive is refused.
   */
  readonly allowReplace?: readonly string[];
}

/** Deploys every stack of one environment; `berth deploy` takes one so tests need no CloudFormation. */
export interface StackDeployer {
  deploy(
    deployment: StackDeployment,
    progress: (line: string) => void,
  ): Promise<{ readonly stacks: readonly string[] }>;
}

/** The toolkit's question before it executes a change set (its payload carries the diffs, change set included). */
const DEPLOY_CONFIRMATION = 'CDK_TOOLKIT_I5060';

/**
 * An IoHost that prints the toolkit's progress (info and above) and answers its questions without a prompt, never
 * with a blanket yes. `berth deploy` has shown its diff and had the changes approved (or refused them) before the
 * toolkit runs; the toolkit's deploy confirmation is answered yes only if the change set's own diff replaces or
 * removes no stateful resource beyond `allowReplace`. Every other confirmation (a rollback of a stack stuck in a
 * failed state, an import, …) is answered no: it needs a person, with the AWS console or the cdk CLI.
 */
export function progressIoHost(
  progress: (line: string) => void,
  allowReplace: readonly string[] = [],
): IIoHost {
  return {
    async notify(msg) {
      if (msg.level === 'error' || msg.level === 'warn' || msg.level === 'result' || msg.level === 'info') {
        const text = msg.message.trim();
        if (text) for (const line of text.split('\n')) progress(`  ${line}`);
      }
    },
    async requestResponse(msg) {
      if (typeof msg.defaultResponse !== 'boolean') return msg.defaultResponse as never;
      if (msg.code === DEPLOY_CONFIRMATION) {
        const diffs =
          (msg.data as { templateDiffs?: Record<string, TemplateDiff> } | undefined)?.templateDiffs ?? {};
        const report = summarize(Object.entries(diffs).map(([stack, diff]) => fromTemplateDiff(stack, diff)));
        if (report.refused.length) {
          progress(`  refused: ${report.refused.map((r) => r.reason).join(' ')}`);
          return false as never;
        }
        const destructive = unallowed(report, allowReplace);
        if (destructive.length) {
          progress(
            `  refused: the change set replaces or deletes ${destructive.map((r) => `${r.type} ${r.logicalId}`).join(', ')}, which berth deploy was not allowed to (--allow-replace)`,
          );
          return false as never;
        }
        return true as never;
      }
      progress(`  the CDK toolkit asks (${msg.code}): ${msg.message.split('\n').pop()} — answered no`);
      return false as never;
    },
  };
}

/** The AWS CDK toolkit library: synthesizes in-process and deploys with the ImageTag parameter set. */
export const cdkToolkit: StackDeployer = {
  async deploy({ resolved, imageTag, importExisting, allowReplace }, progress) {
    const toolkit = new Toolkit({
      ioHost: progressIoHost(progress, allowReplace),
      emojis: false,
      color: false,
    });
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
