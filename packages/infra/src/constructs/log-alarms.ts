import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { pascal, type ResolvedLogPattern } from '@berthjs/config';
import type { Service } from './service';

/** The namespace of the metrics the log patterns count: one per environment. */
export const logMetricNamespace = (prefix: string) => `Berth/${prefix}`;

/**
 * Per log pattern: a metric filter on its service's log group counting the matching lines (1 per line, 0 for every
 * other line, so a quiet service reads 0, not missing data), and an alarm made through `alarm` (the observability
 * construct's: named `<app>-<stage>-log-<name>`, notifying its topic) when the sum within `minutes` reaches the
 * threshold. Cost: $0.30 per custom metric-month and $0.10 per alarm-month.
 */
export function logPatternAlarms(
  scope: Construct,
  prefix: string,
  services: readonly Service[],
  patterns: readonly ResolvedLogPattern[],
  alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm,
): cloudwatch.Alarm[] {
  const byName = new Map(services.map((s) => [s.props.service.name, s]));
  return patterns.map((p) => {
    const service = byName.get(p.service);
    if (!service) throw new Error(`log pattern ${p.name}: no service named ${p.service}`);
    const id = `Log${pascal(p.name)}`;
    new logs.MetricFilter(scope, `${id}Filter`, {
      logGroup: service.logGroup,
      filterName: `${prefix}-${p.name}`,
      filterPattern: logs.FilterPattern.literal(p.pattern),
      metricNamespace: logMetricNamespace(prefix),
      metricName: p.name,
      metricValue: '1',
      defaultValue: 0,
    });
    const lines = p.threshold === 1 ? 'a line' : `${p.threshold} or more lines`;
    return alarm(id, {
      alarmName: `log-${p.name}`,
      alarmDescription:
        `Service ${p.service}: ${lines} matching ${p.pattern} within ${p.minutes} minute${p.minutes === 1 ? '' : 's'}` +
        (p.description ? `. ${p.description}` : ''),
      metric: new cloudwatch.Metric({
        namespace: logMetricNamespace(prefix),
        metricName: p.name,
        statistic: 'Sum',
        period: Duration.minutes(p.minutes),
      }),
      threshold: p.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No lines at all (the service stopped logging) is not a match.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  });
}
