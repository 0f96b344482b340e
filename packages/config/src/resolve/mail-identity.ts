import { show } from '../errors';
import type { Ctx, Parsed } from './context';
import { regionOf } from './environments';

/**
 * Who creates the SES identity of the mail domain. An email identity exists once per account and region, so of the
 * environments that share both (the same account, or none named) and send from the same domain, exactly one stack
 * may create it; the others send through it. By default the first of them (config order) creates it; `mail.identity`
 * ('create' | 'import', also per environment in `overrides.mail`) chooses explicitly, and two creators are refused.
 */
export function resolveMailIdentity(app: Parsed, stage: string, report: Ctx['report']): 'create' | 'import' {
  const mailOf = (name: string) => {
    const overrides = app.environments[name]!.overrides?.mail;
    return app.mail || overrides ? { ...app.mail, ...overrides } : undefined;
  };
  const placeOf = (name: string) => {
    const e = app.environments[name]!;
    return `${e.account ?? 'the deploying account'} / ${regionOf(app, e)}`;
  };
  const mine = mailOf(stage);
  const domain = mine?.domain?.toLowerCase();
  if (!mine || !domain) return 'create';
  const peers = Object.keys(app.environments).filter(
    (name) => placeOf(name) === placeOf(stage) && mailOf(name)?.domain?.toLowerCase() === domain,
  );
  const creators = peers.filter((name) => mailOf(name)!.identity === 'create');
  const path = app.environments[stage]!.overrides?.mail?.identity
    ? `environments.${stage}.overrides.mail.identity`
    : 'mail.identity';
  if (creators.length > 1 && creators.includes(stage)) {
    report(
      path,
      `got 'create'; ${creators.join(', ')} share account and region (${placeOf(stage)}) and each would create the SES identity ${show(domain)}, which exists once there; allowed: 'create' in one of them, 'import' in the others`,
    );
  }
  const owner = creators[0] ?? peers.find((name) => mailOf(name)!.identity !== 'import');
  if (!owner) {
    report(
      path,
      `got 'import'; no environment in ${placeOf(stage)} (${peers.join(', ')}) creates the SES identity ${show(domain)}; allowed: 'create' in one of them`,
    );
  }
  return mine.identity ?? (owner === stage ? 'create' : 'import');
}
