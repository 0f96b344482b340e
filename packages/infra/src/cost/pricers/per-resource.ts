import { ASSUMPTIONS as A, PRICES as P } from '../prices';
import { resourcesOfType } from '../template';
import { add, props, type Ctx, type Pricer } from './context';

/** Resources priced per resource-month (secrets, alarms, dashboards, KMS keys: one line per type) and the WAF. */
export const simpleCounts: Pricer = {
  name: 'per-resource',
  types: [
    'AWS::SecretsManager::Secret',
    'AWS::CloudWatch::Alarm',
    'AWS::CloudWatch::CompositeAlarm',
    'AWS::CloudWatch::Dashboard',
    'AWS::Logs::MetricFilter',
    'AWS::KMS::Key',
    'AWS::WAFv2::WebACL',
  ],
  price(ctx: Ctx): void {
    const per: readonly [string, string, number, string, string, readonly string[]][] = [
      [
        'AWS::SecretsManager::Secret',
        'Secrets Manager secrets',
        P.secret.usd,
        'secret-month',
        P.secret.source,
        [],
      ],
      [
        'AWS::CloudWatch::Alarm',
        'CloudWatch alarms',
        P.alarm.usd,
        'alarm-month',
        P.alarm.source,
        ['alarms.enabled'],
      ],
      [
        'AWS::CloudWatch::CompositeAlarm',
        'CloudWatch composite alarms',
        P.compositeAlarm.usd,
        'alarm-month',
        P.compositeAlarm.source,
        ['alarms.enabled'],
      ],
      [
        'AWS::CloudWatch::Dashboard',
        'CloudWatch dashboards',
        P.dashboard.usd,
        'dashboard-month',
        P.dashboard.source,
        ['alarms.enabled'],
      ],
      [
        // Each log pattern's metric filter publishes one custom metric (no dimensions).
        'AWS::Logs::MetricFilter',
        'CloudWatch custom metrics (log patterns)',
        P.customMetric.usd,
        'metric-month',
        P.customMetric.source,
        ['alarms.logPatterns'],
      ],
      ['AWS::KMS::Key', 'KMS keys', P.kmsKey.usd, 'key-month', P.kmsKey.source, []],
    ];
    for (const [type, label, price, unit, source, settings] of per) {
      const found = resourcesOfType(ctx.stack.template, type);
      if (!found.length) continue;
      for (const [id] of found) ctx.priced.add(id);
      add(ctx, {
        id: found[0]![0],
        // One line counts every resource of the type: the same line in every environment, whatever their IDs.
        key: type,
        type,
        resource: label,
        count: found.length,
        unitPrice: price,
        unit,
        source,
        assumption:
          type === 'AWS::CloudWatch::Dashboard' ? 'the free tier (3 dashboards) not deducted' : undefined,
        settings,
      });
    }
    // WAF: the ACL, its rules and the requests it inspects are three charges, each on its own line; AWS charges them
    // alike in every region (PRICES.wafAcl.everyRegion).
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::WAFv2::WebACL')) {
      const rules = Array.isArray(props(r).Rules) ? (props(r).Rules as unknown[]).length : 0;
      const common = { type: r.Type, regional: false, settings: ['edge.waf'] } as const;
      add(ctx, {
        ...common,
        id,
        resource: 'WAF web ACL',
        count: 1,
        unitPrice: P.wafAcl.usd,
        unit: 'ACL-month',
        source: P.wafAcl.source,
      });
      if (rules > 0)
        add(ctx, {
          ...common,
          id: `${id}/Rules`,
          resource: 'WAF rules',
          count: rules,
          unitPrice: P.wafRule.usd,
          unit: 'rule-month',
          source: P.wafRule.source,
        });
      add(ctx, {
        ...common,
        id: `${id}/Requests`,
        resource: 'WAF requests inspected',
        count: A.wafMillionRequests,
        unitPrice: P.wafRequestsMillion.usd,
        unit: P.wafRequestsMillion.unit,
        source: P.wafRequestsMillion.source,
        assumption: `${A.wafMillionRequests} M requests a month`,
      });
    }
  },
};
