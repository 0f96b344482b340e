import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { pascal } from '@berthjs/config';

/**
 * SES reputation: AWS reviews an account whose bounce rate reaches 5% or complaint rate 0.1%, and may pause its
 * sending at 10% / 0.5% (https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html,
 * https://repost.aws/knowledge-center/ses-resolve-account-review-pause). The alarms fire below the review
 * thresholds, so someone is told before AWS acts. SES publishes the rates as fractions (0.05 = 5%) in AWS/SES,
 * account-wide without dimensions (https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-cloudwatch-alarm.html).
 */
export const SES_REPUTATION = Object.freeze({
  bounce: { metricName: 'Reputation.BounceRate', review: 0.05, pause: 0.1, alarm: 0.04 },
  complaint: { metricName: 'Reputation.ComplaintRate', review: 0.001, pause: 0.005, alarm: 0.0008 },
});

/**
 * The bounce and complaint rate alarms of the account's SES sending (every sender of the account and region counts,
 * as in AWS's review), made through `alarm` (the observability construct's: named, and notifying its topic).
 * Cost: $0.10 per alarm-month each.
 */
export function sesReputationAlarms(
  alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm,
): cloudwatch.Alarm[] {
  const percent = (x: number) => `${Math.round(x * 100_000) / 1000}%`;
  return Object.entries(SES_REPUTATION).map(([kind, r]) =>
    alarm(`Ses${pascal(kind)}Rate`, {
      alarmName: `ses-${kind}-rate`,
      alarmDescription: `SES: ${kind} rate at or above ${percent(r.alarm)}; AWS reviews the account at ${percent(r.review)} and may pause its sending at ${percent(r.pause)}`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName: r.metricName,
        statistic: 'Maximum',
        period: Duration.minutes(15),
      }),
      threshold: r.alarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No mail sent, no rate published: nothing to tell.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  );
}
