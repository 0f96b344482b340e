import { Construct } from 'constructs';
import type { CfnResource } from 'aws-cdk-lib';
import { CustomResource, Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ResolvedMailSender } from '@berthjs/config';
import { pascal } from '@berthjs/config';

export interface MailSendersProps {
  /** `<app>-<stage>`: prefixes the secret names. */
  readonly name: string;
  readonly senders: Readonly<Record<string, ResolvedMailSender>>;
  /** The SES identity's name (the domain) and the configuration set it sends with by default. */
  readonly identityName: string;
  readonly configurationSetName: string;
}

/** The custom resource type that turns a sender's secret access key into its SMTP password. */
export const SMTP_PASSWORD_TYPE = 'Custom::SesSmtpPassword';

/** `<app>-<stage>/mail-senders/<sender>`: the secret holding a sender's SMTP credentials. */
export function mailSenderSecretName(prefix: string, sender: string): string {
  return `${prefix}/mail-senders/${sender}`;
}

/**
 * Third-party senders (an identity provider's mails, say) through the environment's SES identity over SMTP. Each gets
 * an IAM user in its own group, whose one policy allows ses:SendRawEmail (what the SMTP interface authorizes as) on
 * this identity and its configuration set only, and only from its `from` addresses (ses:FromAddress); an access key;
 * and a secret `<app>-<stage>/mail-senders/<name>` with `{ username, password, host, port }` to paste into the
 * sender's SMTP settings.
 *
 * The SMTP password is not the secret access key: SES derives it with HMAC-SHA256 over the key and the region
 * (https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html#smtp-credentials-convert), which CloudFormation
 * cannot compute. CloudFormation writes `{ username, secretAccessKey, host, port }` into the secret (the key never
 * in the template: a GetAtt), then a small function (one per stack, run only by deploys) replaces the key with the
 * derived password in place. A new access key (the user or key replaced) runs it again.
 *
 * Cost: Secrets Manager $0.40 per secret-month; SES $0.10 per 1,000 messages; the function runs only on deploys.
 */
export class MailSenders extends Construct {
  readonly secrets: Readonly<Record<string, secretsmanager.Secret>>;
  readonly users: Readonly<Record<string, iam.User>>;

  constructor(scope: Construct, id: string, props: MailSendersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const arn = (resource: string) => stack.formatArn({ service: 'ses', resource });
    const host = `email-smtp.${stack.region}.amazonaws.com`;
    const secrets: Record<string, secretsmanager.Secret> = {};
    const users: Record<string, iam.User> = {};
    const senders = Object.values(props.senders);
    const handler = senders.length ? this.handler() : undefined;
    for (const sender of senders) {
      const key = pascal(sender.name);
      const policy = new iam.ManagedPolicy(this, `${key}Policy`, {
        description: `${props.name}: SMTP sender ${sender.name} sends as ${sender.from.join(', ')} through ${props.identityName} only`,
        statements: [
          new iam.PolicyStatement({
            // The SMTP interface authorizes as ses:SendRawEmail, on the identity and the configuration set used.
            actions: ['ses:SendRawEmail'],
            resources: [
              arn(`identity/${props.identityName}`),
              arn(`configuration-set/${props.configurationSetName}`),
            ],
            conditions: { StringLike: { 'ses:FromAddress': [...sender.from] } },
          }),
        ],
      });
      const group = new iam.Group(this, `${key}Group`, { managedPolicies: [policy] });
      const user = new iam.User(this, `${key}User`, { groups: [group] });
      const accessKey = new iam.AccessKey(this, `${key}AccessKey`, { user });
      const secret = new secretsmanager.Secret(this, `${key}Secret`, {
        secretName: mailSenderSecretName(props.name, sender.name),
        description: `SES SMTP credentials of ${sender.name}: username, password (derived at deploy), host, port`,
        secretObjectValue: {
          username: SecretValue.unsafePlainText(accessKey.accessKeyId),
          secretAccessKey: accessKey.secretAccessKey,
          host: SecretValue.unsafePlainText(host),
          port: SecretValue.unsafePlainText('587'),
        },
        removalPolicy: RemovalPolicy.DESTROY,
      });
      secret.grantRead(handler!);
      secret.grantWrite(handler!);
      // SecretId (a Ref) orders it after the secret; a new access key changes AccessKeyId: the function derives the
      // new key's password.
      new CustomResource(this, `${key}Password`, {
        resourceType: SMTP_PASSWORD_TYPE,
        serviceToken: handler!.functionArn,
        properties: { SecretId: secret.secretArn, AccessKeyId: accessKey.accessKeyId, Region: stack.region },
      });
      secrets[sender.name] = secret;
      users[sender.name] = user;
    }
    this.secrets = secrets;
    this.users = users;
  }

  private handler(): lambda.Function {
    const logGroup = new logs.LogGroup(this, 'PasswordHandlerLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'PasswordHandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Derives the SES SMTP passwords of this environment's mail senders, in their own secrets",
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const fn = new lambda.Function(this, 'PasswordHandler', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(SMTP_PASSWORD_HANDLER),
      timeout: Duration.minutes(1),
      role,
      logGroup,
      description: 'Berth: the SES SMTP password of each mail sender, derived from its access key',
    });
    // The CDK adds a DependsOn on the role beside the GetAtt that already orders it (cfn-lint W3005).
    (fn.node.defaultChild as CfnResource).addDeletionOverride('DependsOn');
    return fn;
  }
}

/**
 * The function (Node.js, AWS SDK v3 from the runtime), inline so synthesis needs no asset. It reads the secret, and
 * while it still holds `secretAccessKey` replaces it with the SMTP password (SES's version-4 derivation: HMAC-SHA256
 * chained over '11111111', the region, 'ses', 'aws4_request' and 'SendRawEmail', prefixed with the byte 0x04, in
 * base64). It logs error names only, never a value. Delete does nothing: the secret goes with its own resource.
 */
export const SMTP_PASSWORD_HANDLER = `const S=require('@aws-sdk/client-secrets-manager'),https=require('https'),c=require('crypto');
const sm=new S.SecretsManagerClient({});
const h=(k,m)=>c.createHmac('sha256',k).update(m,'utf8').digest();
const smtpPassword=(key,region)=>{let k=h('AWS4'+key,'11111111');for(const m of [region,'ses','aws4_request','SendRawEmail'])k=h(k,m);return Buffer.concat([Buffer.from([4]),k]).toString('base64')};
exports.smtpPassword=smtpPassword;
const reply=(e,Status,id,Reason)=>new Promise((ok,ko)=>{const b=JSON.stringify({Status,Reason:Reason||'see the function log',PhysicalResourceId:id,StackId:e.StackId,RequestId:e.RequestId,LogicalResourceId:e.LogicalResourceId,NoEcho:true});const u=new URL(e.ResponseURL);const r=https.request({hostname:u.hostname,path:u.pathname+u.search,method:'PUT',headers:{'content-type':'','content-length':Buffer.byteLength(b)}},s=>{s.resume();s.on('end',ok)});r.on('error',ko);r.end(b)});
exports.send=x=>sm.send(x);
exports.handler=async e=>{
const p=e.ResourceProperties,id=e.PhysicalResourceId||('smtp-password:'+p.AccessKeyId);
try{
if(e.RequestType!=='Delete'){
const v=JSON.parse((await exports.send(new S.GetSecretValueCommand({SecretId:p.SecretId}))).SecretString);
if(v.secretAccessKey){const {secretAccessKey,...rest}=v;await exports.send(new S.PutSecretValueCommand({SecretId:p.SecretId,SecretString:JSON.stringify({...rest,password:smtpPassword(secretAccessKey,p.Region)})}))}
else if(!v.password)throw new Error('the secret holds neither secretAccessKey nor password');
}
await reply(e,'SUCCESS',id);
}catch(err){console.error((err&&err.name)||'Error');await reply(e,'FAILED',id,String((err&&err.name)||'Error')+': the SMTP password could not be derived (see the function log)')}};
`;
