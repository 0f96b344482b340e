import { CliError, EXIT } from '@berthjs/config/load';
import { formatDiff, isAllowed, type DiffReport, type ResourceChange } from './diff';

/** What the person deploying said up front. */
export interface GuardOptions {
  /** `--allow-replace`: logical IDs or construct paths of stateful resources that may be replaced or removed. */
  readonly allowReplace?: readonly string[];
  /** `--yes`: approve the (non-destructive) changes without a prompt. */
  readonly approve?: boolean;
}

/** Asks a yes/no question in a terminal; absent where there is none (CI), so nothing waits on a prompt. */
export type Confirm = (question: string) => Promise<boolean>;

/** The destructive changes `--allow-replace` does not name. */
export function unallowed(report: DiffReport, allowReplace: readonly string[] = []): ResourceChange[] {
  return report.destructive.filter((r) => !isAllowed(r, allowReplace));
}

/**
 * Shows the diff and decides. A destructive change to a stateful resource is refused unless named with
 * --allow-replace, in a terminal as in CI (exit 4). Other changes need --yes, or a "y" in a terminal; without a
 * terminal and without --yes the deploy is refused (exit 3). No change to the templates (a code deploy only changes
 * the ImageTag parameter) needs no approval.
 */
export async function guard(
  report: DiffReport,
  title: string,
  options: GuardOptions,
  confirm: Confirm | undefined,
  print: (line: string) => void,
): Promise<void> {
  for (const line of formatDiff(report, title).split('\n')) print(line);
  if (report.refused.length) {
    throw new CliError(
      `Refusing to deploy: CloudFormation cannot carry out these changes (no flag allows them):\n${report.refused.map((r) => `  ${r.stack}: ${r.reason}`).join('\n')}`,
      EXIT.destructive,
    );
  }
  const allowed = options.allowReplace ?? [];
  const refused = unallowed(report, allowed);
  if (refused.length) {
    const what = refused
      .map((r) => `  ${r.action} ${r.type} ${r.logicalId}${r.path ? ` (${r.path})` : ''} in ${r.stack}`)
      .join('\n');
    throw new CliError(
      `Refusing to deploy: these changes replace or delete resources that hold data:\n${what}\n` +
        `If that is intended (the data is expendable, or restored from a snapshot), name each one: ${refused.map((r) => `--allow-replace ${r.logicalId}`).join(' ')}`,
      EXIT.destructive,
    );
  }
  for (const a of allowed) {
    if (!report.destructive.some((r) => isAllowed(r, [a])))
      print(`  note: --allow-replace ${a} matches no destructive change`);
  }
  if (!report.changes || options.approve) return;
  if (!confirm) {
    throw new CliError(
      `Refusing to deploy ${report.changes} infrastructure change${report.changes === 1 ? '' : 's'} without approval: there is no terminal to ask in. Review them (above, or 'berth diff') and pass --yes.`,
      EXIT.changes,
    );
  }
  const widens = report.widensAccess ? ' They WIDEN ACCESS (IAM / security groups).' : '';
  if (!(await confirm(`Deploy these ${report.changes} changes?${widens} [y/N] `))) {
    throw new CliError('Deploy cancelled: nothing was changed.', EXIT.changes);
  }
}
