import type { Notes, Path } from '../emit';
import type { Manifest, YamlMap } from './read';
import { isMap } from './values';

/** The profile an environment of this name gets. */
export function profileFor(env: string): 'dev' | 'staging' | 'prod' {
  if (/prod|prd|live/.test(env)) return 'prod';
  if (/stag|preprod|uat/.test(env)) return 'staging';
  return 'dev';
}

/** An environment manifest → the environment's `edge` and `network` overrides. */
export function mapEnvironment(m: Manifest, notes: Notes, at: Path): { edge: YamlMap; network: YamlMap } {
  const { file, body } = m;
  const edge: YamlMap = {};
  const network: YamlMap = {};
  const no = (field: string, why: string) => notes.notMapped(file, field, why, at);

  const vpc = isMap(body['network']) && isMap(body['network']['vpc']) ? body['network']['vpc'] : {};
  if (vpc['id'] !== undefined)
    no(
      'network.vpc.id',
      "an imported VPC: Berth creates the environment's VPC (give it a CIDR that does not overlap, to peer during the move)",
    );
  if (typeof vpc['cidr'] === 'string') {
    network['cidr'] = vpc['cidr'];
    notes.mapped(file, 'network.vpc.cidr', [...at, 'network', 'cidr']);
  }
  const subnets = isMap(vpc['subnets']) ? vpc['subnets'] : {};
  const publicSubnets = Array.isArray(subnets['public']) ? subnets['public'] : [];
  if (publicSubnets.length >= 2 && vpc['id'] === undefined) {
    network['azs'] = publicSubnets.length;
    notes.mapped(file, 'network.vpc.subnets', [...at, 'network', 'azs']);
  }
  if (Object.keys(subnets).length)
    no(
      'network.vpc.subnets',
      'Berth lays out its subnets itself (one public, one private per AZ); their number of AZs is network.azs',
    );
  if (vpc['security_group'] !== undefined)
    no('network.vpc.security_group', 'Berth writes its security groups from what each service uses');
  if (vpc['flow_logs'] !== undefined && vpc['flow_logs'] !== false) {
    network['flowLogs'] = true;
    notes.mapped(file, 'network.vpc.flow_logs', [...at, 'network', 'flowLogs']);
    if (isMap(vpc['flow_logs']) && vpc['flow_logs']['retention'] !== undefined)
      no('network.vpc.flow_logs.retention', 'flow logs are kept for logRetentionDays');
  }

  const cdn = body['cdn'];
  if (cdn === true || isMap(cdn)) {
    edge['cdn'] = true;
    notes.mapped(file, 'cdn', [...at, 'edge', 'cdn']);
    if (isMap(cdn))
      for (const k of Object.keys(cdn))
        no(
          `cdn.${k}`,
          k === 'certificate'
            ? "Berth creates CloudFront's certificate in us-east-1"
            : 'Berth serves no static assets and always terminates TLS at CloudFront and the ALB',
        );
  }

  const pub = isMap(body['http']) && isMap(body['http']['public']) ? body['http']['public'] : {};
  const certs = pub['certificates'];
  if (Array.isArray(certs) && typeof certs[0] === 'string') {
    edge['certificate'] = certs[0];
    notes.mapped(file, 'http.public.certificates', [...at, 'edge', 'certificate']);
    if (certs.length > 1)
      no(
        'http.public.certificates',
        `only the first of ${certs.length} certificates: Berth's listener has one`,
      );
  }
  if (pub['access_logs'] !== undefined && pub['access_logs'] !== false) {
    edge['accessLogs'] = true;
    notes.mapped(file, 'http.public.access_logs', [...at, 'edge', 'accessLogs']);
    if (isMap(pub['access_logs']))
      no('http.public.access_logs.bucket_name', 'Berth writes access logs to a bucket of its own');
  }
  if (pub['ssl_policy'] !== undefined)
    no('http.public.ssl_policy', "Berth's HTTPS listener uses its own TLS policy");
  const ingress = isMap(pub['ingress']) ? pub['ingress'] : {};
  if (ingress['cdn'] === true) {
    edge['ingress'] = 'cloudfront';
    notes.mapped(file, 'http.public.ingress.cdn', [...at, 'edge', 'ingress']);
  } else if (Array.isArray(ingress['source_ips'])) {
    const ips = ingress['source_ips'].map(String);
    edge['ingress'] = ips.length === 1 && ips[0] === '0.0.0.0/0' ? 'anywhere' : ips;
    notes.mapped(file, 'http.public.ingress.source_ips', [...at, 'edge', 'ingress']);
  }
  if (isMap(body['http']) && body['http']['private'] !== undefined)
    no('http.private', 'Berth has no internal load balancer');
  if (body['observability'] !== undefined) no('observability', 'Berth sets Container Insights itself');
  for (const k of Object.keys(body))
    if (!['name', 'type', 'network', 'cdn', 'http', 'observability'].includes(k))
      no(k, 'Berth has no equivalent setting');
  return { edge, network };
}
