import { ASSUMPTIONS as A, PRICES as P } from '../prices';
import { resourcesOfType } from '../template';
import { add, type Ctx, type Pricer } from './context';

/** SES outbound email. */
export const mail: Pricer = {
  name: 'mail',
  types: ['AWS::SES::EmailIdentity', 'AWS::SES::ConfigurationSet'],
  price(ctx: Ctx): void {
    const identities = resourcesOfType(ctx.stack.template, 'AWS::SES::EmailIdentity');
    for (const [id] of resourcesOfType(ctx.stack.template, 'AWS::SES::ConfigurationSet')) ctx.priced.add(id);
    if (!identities.length) return;
    for (const [id] of identities) ctx.priced.add(id);
    add(ctx, {
      id: identities[0]![0],
      key: 'AWS::SES::EmailIdentity',
      type: 'AWS::SES::EmailIdentity',
      resource: 'SES outbound email',
      count: A.emailsPerMonth / 1000,
      unitPrice: P.sesThousand.usd,
      unit: '1,000 emails',
      source: P.sesThousand.source,
      assumption: `${A.emailsPerMonth.toLocaleString('en-US')} emails a month`,
      settings: ['mail'],
    });
  },
};
