import { Construct } from 'constructs';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { RATE_LIMITED_BODY_KEY, rateLimitedResponse, type ResolvedWaf } from '@berthjs/config';

export interface WafProps {
  readonly waf: ResolvedWaf;
  /**
   * 'REGIONAL' protects an ALB in the stack's region; 'CLOUDFRONT' protects a distribution and must be created in
   * us-east-1.
   */
  readonly scope: 'REGIONAL' | 'CLOUDFRONT';
  /** Prefix of the web ACL's name and of every CloudWatch metric it emits, e.g. 'talent-prod'. */
  readonly name: string;
  /** Days CloudWatch keeps the WAF's request logs. */
  readonly logRetentionDays: number;
  /**
   * What deleting the stack does to the log group. @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE: kept when the
   * stack goes, deleted when the create that made it rolls back (its fixed name would fail the retry otherwise)
   */
  readonly logRemoval?: RemovalPolicy;
  /**
   * The rate-based rule per client IP. Off for the ALB's own ACL behind CloudFront: there every client arrives from
   * CloudFront's addresses, and the distribution's ACL already limits each viewer. @default true
   */
  readonly rateLimit?: boolean;
  /**
   * The header carrying the client's address when a proxy stands between clients and this ACL (see
   * `clientIpHeaderFor`): the rate rule then counts per that address (FORWARDED_IP) instead of per proxy.
   * @default - the request's source IP
   */
  readonly clientIpHeader?: string;
}

/**
 * Which header names the client when the ALB is reached through a proxy, for the rate rule's key. Behind Cloudflare
 * (`ingress: 'cloudflare'`) the source IP is a Cloudflare edge, shared by every client of that edge: keyed on it, the
 * rule would throttle many clients together and never one flood alone. Cloudflare sets `CF-Connecting-IP` to the
 * client's address on every request it proxies (one address, which it overwrites), and the ALB admits only
 * Cloudflare's ranges. Behind CloudFront (`cdn`) nothing is needed here: the rate rule lives in the distribution's
 * own CLOUDFRONT ACL, where WAF sees the viewer's address, and the ALB's ACL has none (X-Forwarded-For would not
 * do: WAF reads its first address, which the viewer writes; CloudFront-Viewer-Address carries a port).
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-forwarded-ip-address.html
 * https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip
 */
export function clientIpHeaderFor(ingress: unknown): string | undefined {
  return ingress === 'cloudflare' ? 'CF-Connecting-IP' : undefined;
}

/** One AWS managed rule group of the ACL, in evaluation order. */
interface ManagedGroup {
  readonly name: string;
  /** Rules of the group that only count, whatever the mode (see `COUNT_ONLY`). */
  readonly countOnly?: readonly string[];
}

/**
 * The common rule set blocks request bodies over 8 KB (SizeRestrictions_BODY): an API that accepts larger JSON would
 * see 403s from its own firewall, so that one rule only counts. Source: AWS Managed Rules rule groups list,
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
 */
const COMMON: ManagedGroup = { name: 'AWSManagedRulesCommonRuleSet', countOnly: ['SizeRestrictions_BODY'] };
const KNOWN_BAD_INPUTS: ManagedGroup = { name: 'AWSManagedRulesKnownBadInputsRuleSet' };
const IP_REPUTATION: ManagedGroup = { name: 'AWSManagedRulesAmazonIpReputationList' };
const SQL_INJECTION: ManagedGroup = { name: 'AWSManagedRulesSQLiRuleSet' };

/** Headers whose values never reach the WAF's logs (WAF logs keep every header by default). */
const REDACTED_HEADERS = ['authorization', 'cookie', 'x-api-key', 'x-amz-security-token'];

/** The rule groups an ACL with these settings evaluates, in order (used by the cost model and the dashboard too). */
export function managedRuleGroups(waf: ResolvedWaf): readonly string[] {
  return [COMMON, KNOWN_BAD_INPUTS, IP_REPUTATION, ...(waf.sqlInjection ? [SQL_INJECTION] : [])].map(
    (g) => g.name,
  );
}

/**
 * An AWS WAFv2 web ACL for the app's entry point: a rate-based rule per client IP (evaluated first, so a flood is
 * cut before managed rules spend capacity on it; over the limit a client gets 429, see `rateLimitedResponse`), then AWS's managed rule groups for a web API — the common rule
 * set, known bad inputs, Amazon IP reputation and, when asked, SQL injection. With `mode: 'count'` every rule only
 * counts and labels, so a new ACL can be watched in its metrics before it blocks anything. Requests are logged to a
 * CloudWatch log group (`aws-waf-logs-…`, the prefix WAF requires) with credentials redacted.
 *
 * Cost (https://aws.amazon.com/waf/pricing/): $5 per web ACL-month, $1 per rule or managed rule group-month,
 * $0.60 per million requests inspected; the baseline AWS managed rule groups carry no extra fee. Logs at
 * CloudWatch Logs ingestion prices.
 */
export class Waf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  /** The web ACL's name (its `WebACL` metric dimension). */
  readonly name: string;
  readonly logGroup: logs.LogGroup;
  /** Metric names (`MetricName` of each rule and of the ACL), for dashboards. */
  readonly metricNames: readonly string[];
  private readonly props: WafProps;

  constructor(scope: Construct, id: string, props: WafProps) {
    super(scope, id);
    this.props = props;
    const { waf, name } = props;
    this.name = name;
    const block = waf.mode === 'block';
    const groups = [COMMON, KNOWN_BAD_INPUTS, IP_REPUTATION, ...(waf.sqlInjection ? [SQL_INJECTION] : [])];
    // A flood gets 429 with a retry-after, as `berth dev`'s router answers, instead of Block's default 403.
    const limited = rateLimitedResponse(waf);
    const rateRules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'RatePerIp',
        priority: 0,
        statement: {
          rateBasedStatement: {
            limit: waf.rateLimit,
            evaluationWindowSec: waf.rateWindowSeconds,
            ...(props.clientIpHeader
              ? {
                  aggregateKeyType: 'FORWARDED_IP',
                  // MATCH: a header that holds no valid address counts as over the limit. A request without the
                  // header is not rated at all (WAF skips the rule), which only a request that did not come
                  // through the proxy could send.
                  forwardedIpConfig: { headerName: props.clientIpHeader, fallbackBehavior: 'MATCH' },
                }
              : { aggregateKeyType: 'IP' }),
          },
        },
        action: block
          ? {
              block: {
                customResponse: {
                  responseCode: limited.status,
                  customResponseBodyKey: RATE_LIMITED_BODY_KEY,
                  responseHeaders: Object.entries(limited.headers).map(([n, v]) => ({ name: n, value: v })),
                },
              },
            }
          : { count: {} },
        visibilityConfig: this.visibility(`${name}-rate-per-ip`),
      },
    ];
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      ...(props.rateLimit === false ? [] : rateRules),
      ...groups.map((g, i): wafv2.CfnWebACL.RuleProperty => ({
        name: g.name,
        priority: i + 1,
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: g.name,
            ...(block && g.countOnly?.length
              ? { ruleActionOverrides: g.countOnly.map((r) => ({ name: r, actionToUse: { count: {} } })) }
              : {}),
          },
        },
        overrideAction: block ? { none: {} } : { count: {} },
        visibilityConfig: this.visibility(`${name}-${g.name}`),
      })),
    ];
    this.metricNames = [name, ...rules.map((r) => (r.visibilityConfig as { metricName: string }).metricName)];
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name,
      scope: props.scope,
      description: `Berth ${name}, ${waf.mode === 'block' ? 'blocking' : 'count mode'}`,
      defaultAction: { allow: {} },
      rules,
      ...(props.rateLimit === false
        ? {}
        : {
            customResponseBodies: {
              [RATE_LIMITED_BODY_KEY]: { contentType: 'TEXT_PLAIN' as const, content: limited.body },
            },
          }),
      visibilityConfig: this.visibility(name),
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${name}`,
      // resolve() accepts only the day counts CloudWatch offers.
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.logRemoval ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // WAF adds the log group's resource policy for delivery itself (the deploying role needs
    // logs:PutResourcePolicy): https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [this.logGroup.logGroupArn],
      redactedFields: REDACTED_HEADERS.map((h) => ({ singleHeader: { Name: h } })),
    });
  }

  /** Protects a regional resource (an ALB); CloudFront distributions take `webAcl.attrArn` instead. */
  associate(id: string, resourceArn: string): wafv2.CfnWebACLAssociation {
    if (this.props.scope !== 'REGIONAL')
      throw new Error(
        `${this.node.path}: a CLOUDFRONT web ACL attaches to a distribution (webAclId), not by association`,
      );
    return new wafv2.CfnWebACLAssociation(this, id, { resourceArn, webAclArn: this.webAcl.attrArn });
  }

  private visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
    return { metricName, cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true };
  }
}
