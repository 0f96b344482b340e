/**
 * On Node 20 the AWS SDK prints a multi-line NodeVersionSupportWarning on the first AWS call of every process.
 * Berth says the same once, in one line, on the commands that call AWS, and turns the SDK's own block off for this
 * process only (services started by `berth dev` keep theirs: that is the service's own Node). The SDK documents the
 * switch in https://github.com/aws/aws-sdk-js-v3/issues/7983; Node 20's end of life: https://nodejs.org/en/about/previous-releases
 */
const AWS_COMMANDS = new Set([
  'dev',
  'deploy',
  'diff',
  'rollback',
  'run-job',
  'migrate',
  'logs',
  'exec',
  'tunnel',
  'status',
  'secrets',
  'destroy',
]);

/** The line to print for this Node version and command, or undefined when there is nothing to say. */
export function nodeSupportNotice(version: string, command: string | undefined): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!(major < 22) || !command || !AWS_COMMANDS.has(command)) return undefined;
  return (
    `berth: note: Node ${version.replace(/^v/, '')} is past its end of life (Node 20: April 2026), and AWS SDK ` +
    `releases after the first week of January 2027 require Node 22 or later; Berth supports Node 20 while its ` +
    `dependencies still run on it. Upgrade to Node 22 or 24.`
  );
}

/** Prints the notice once and silences the SDK's repeat of it in this process. */
export function sayNodeSupportOnce(argv: readonly string[]): void {
  const notice = nodeSupportNotice(process.version, argv[2]);
  if (!notice) return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  console.error(notice);
}
