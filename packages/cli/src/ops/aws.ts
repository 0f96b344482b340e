import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CliError, EXIT } from '@berthjs/config/load';

export interface AwsClients {
  readonly region: string;
  readonly ecs: ECSClient;
  readonly logs: CloudWatchLogsClient;
  readonly cfn: CloudFormationClient;
  readonly sts: STSClient;
  readonly ecr: ECRClient;
  readonly secrets: SecretsManagerClient;
}

/** One client per service for a region; credentials come from the SDK's default chain (env, profile, SSO, role). */
export function awsClients(region: string): AwsClients {
  return {
    region,
    ecs: new ECSClient({ region }),
    logs: new CloudWatchLogsClient({ region }),
    cfn: new CloudFormationClient({ region }),
    sts: new STSClient({ region }),
    ecr: new ECRClient({ region }),
    secrets: new SecretsManagerClient({ region }),
  };
}

export const CREDENTIALS_HELP =
  'Set AWS_PROFILE (after `aws sso login --profile <name>`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ' +
  '(and AWS_SESSION_TOKEN for temporary keys), or run where a role is attached (in GitHub Actions: ' +
  'aws-actions/configure-aws-credentials with role-to-assume).';

/** Who we are in AWS, or a CliError that says which credentials to set: the first call of every ops command. */
export async function callerIdentity(
  clients: AwsClients,
): Promise<{ readonly account: string; readonly arn: string }> {
  try {
    const id = await clients.sts.send(new GetCallerIdentityCommand({}));
    return { account: id.Account ?? '', arn: id.Arn ?? '' };
  } catch (err) {
    const e = err as Error;
    if (e?.name === 'CredentialsProviderError' || /credential/i.test(e?.message ?? '')) {
      throw new CliError(`No AWS credentials found for ${clients.region}. ${CREDENTIALS_HELP}`, EXIT.failed, {
        cause: err,
      });
    }
    if (/ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient/.test(e?.name ?? '')) {
      throw new CliError(
        `AWS rejected the credentials (${e.name}: ${e.message}). ${CREDENTIALS_HELP}`,
        EXIT.failed,
        {
          cause: err,
        },
      );
    }
    throw new CliError(
      `Could not reach AWS STS in ${clients.region}: ${e?.message ?? String(err)}`,
      EXIT.failed,
      {
        cause: err,
      },
    );
  }
}

/** How ops commands wait and report; tests pass a zero sleep and capture the lines. */
export interface OpsRuntime {
  readonly clients: (region: string) => AwsClients;
  readonly sleep: (ms: number) => Promise<void>;
  /** Progress lines (stderr, so --json output stays clean). */
  readonly progress: (line: string) => void;
  /** Result lines (stdout). */
  readonly out: (line: string) => void;
  readonly pollMs: number;
  /** How long to wait for a service to reach steady state. */
  readonly steadyTimeoutMs: number;
}

export function defaultRuntime(): OpsRuntime {
  return {
    clients: awsClients,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    progress: (line) => console.error(line),
    out: (line) => console.log(line),
    pollMs: 6_000,
    steadyTimeoutMs: 30 * 60_000,
  };
}
