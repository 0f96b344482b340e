import { ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { hostedZoneIdFrom } from './scaffold';

/** What a look-up of a domain's Route 53 zone found: the zone, or why there is none to use. */
export type ZoneLookup =
  | { readonly zoneId: string; readonly zoneName: string; readonly reason?: undefined }
  | { readonly zoneId?: undefined; readonly reason: string };

/**
 * The public Route 53 hosted zone a certificate for `domain` is validated in: the zone named `domain`, else the
 * nearest parent's (`shop.example.com` lives in `example.com`). ListHostedZonesByName lists zones in order of their
 * reversed labels starting at `DNSName`, so the first entry is the zone of that name when one exists
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html). Private zones are not
 * what ACM's public validation reads; two public zones of one name are ambiguous and left to the user.
 * Without AWS credentials (or on any API error) it says so instead of failing.
 */
export async function lookUpHostedZone(
  domain: string,
  // Route 53 is global; its API endpoint is in us-east-1: https://docs.aws.amazon.com/general/latest/gr/r53.html
  client: Pick<Route53Client, 'send'> = new Route53Client({ region: 'us-east-1' }),
): Promise<ZoneLookup> {
  const labels = domain.replace(/\.$/, '').split('.');
  try {
    for (let i = 0; i <= labels.length - 2; i++) {
      const name = labels.slice(i).join('.');
      const out = await client.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 10 }));
      const zones = (out.HostedZones ?? []).filter(
        (z) => z.Name?.replace(/\.$/, '').toLowerCase() === name && !z.Config?.PrivateZone,
      );
      if (zones.length > 1)
        return {
          reason: `${zones.length} public hosted zones are named ${name} (${zones.map((z) => hostedZoneIdFrom(z.Id ?? '') ?? z.Id).join(', ')}); pass the one its registrar delegates to with --hosted-zone`,
        };
      const id = zones[0] && hostedZoneIdFrom(zones[0].Id ?? '');
      if (id) return { zoneId: id, zoneName: name };
    }
    return { reason: `no public Route 53 hosted zone for ${domain} or a parent of it in this AWS account` };
  } catch (err) {
    const e = err as Error;
    const noCredentials = e.name === 'CredentialsProviderError' || /credential/i.test(e.message);
    return {
      reason: noCredentials
        ? 'no AWS credentials to look it up with'
        : `Route 53 could not be asked (${e.name}: ${e.message.split('\n')[0]})`,
    };
  }
}
