import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT } from '@berthjs/config/load';

/**
 * Where the files `berth init` writes live: `common/` for every project, then one folder per template. `dot-x`
 * becomes `.x` (npm would drop dotfiles from a package).
 */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** `node`: TypeScript on @berthjs/runtime (Fastify). `python`: FastAPI reading the contract alone. */
export const TEMPLATES = ['node', 'python'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export interface ScaffoldOptions {
  /** App name: lower-case letters, digits and dashes. @default - the folder's name, cleaned */
  readonly name?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /**
   * The domain prod serves HTTPS on (an ACM certificate is created and validated in Route 53); staging gets
   * `staging.<domain>`. @default - none: prod serves plain HTTP, written in its config as `edge.https: false`
   */
  readonly domain?: string;
  /**
   * The Route 53 public hosted zone of `domain` (its id, `Z…`, with or without `/hostedzone/`), where ACM's
   * validation record is written. Required with `domain`: without it the certificate is never validated.
   */
  readonly hostedZoneId?: string;
  /** Overwrite files that exist. @default false */
  readonly force?: boolean;
  /** @default 'node' */
  readonly template?: string;
}

export interface ScaffoldResult {
  readonly dir: string;
  readonly name: string;
  readonly template: TemplateName;
  readonly domain?: string;
  readonly hostedZoneId?: string;
  readonly files: readonly string[];
}

/**
 * The environments `berth init` writes and the branch each deploys from: berth.config.ts and deploy.yml are written
 * from this one list, so the workflow deploys exactly the branches the config names.
 */
export const SCAFFOLD_ENVIRONMENTS: readonly { readonly stage: string; readonly branch: string }[] = [
  { stage: 'dev', branch: 'development' },
  { stage: 'staging', branch: 'staging' },
  { stage: 'prod', branch: 'main' },
];

/** A Route 53 hosted zone id: upper-case letters and digits (ListHostedZones returns it as `/hostedzone/<id>`). */
const ZONE_ID = /^[A-Z0-9]{1,32}$/;

/** `/hostedzone/Z123` or `Z123` → `Z123`; undefined when it is not a zone id. */
export function hostedZoneIdFrom(value: string): string | undefined {
  const id = value.trim().replace(/^\/?hostedzone\//, '');
  return ZONE_ID.test(id) ? id : undefined;
}

// resolve's rule for edge.domain, checked here so a bad --domain fails before any file is written.
const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

/** Writes a new Berth project into `dir`; refuses, writing nothing, when any file exists and `force` is not set. */
export function scaffold(dir: string, options: ScaffoldOptions = {}): ScaffoldResult {
  const root = resolvePath(dir);
  const name = options.name ?? appNameFrom(basename(root));
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) {
    throw new CliError(
      `App name '${name}': use lower-case letters, digits and dashes, starting with a letter (pass --name).`,
      EXIT.invalid,
    );
  }
  const region = options.region ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new CliError(`Region '${region}' does not look like an AWS region (e.g. us-east-1)`, EXIT.invalid);
  const domain = options.domain?.trim().toLowerCase().replace(/\.$/, '') || undefined;
  if (domain !== undefined && !DOMAIN.test(domain))
    throw new CliError(
      `--domain '${options.domain}' is not a domain name; expected one such as 'example.com' or 'api.example.com'`,
      EXIT.invalid,
    );
  const zoneInput = options.hostedZoneId?.trim() || undefined;
  const hostedZoneId = zoneInput === undefined ? undefined : hostedZoneIdFrom(zoneInput);
  if (zoneInput !== undefined && hostedZoneId === undefined)
    throw new CliError(
      `--hosted-zone '${zoneInput}' is not a Route 53 hosted zone id; expected one such as 'Z0123456789ABCDEFGHIJ' (aws route53 list-hosted-zones-by-name --dns-name <domain>)`,
      EXIT.invalid,
    );
  if (hostedZoneId && !domain)
    throw new CliError('--hosted-zone is the zone of --domain: pass --domain too.', EXIT.invalid);
  if (domain && !hostedZoneId)
    throw new CliError(
      `--domain ${domain} needs --hosted-zone <id>: ACM validates prod's certificate with a record in the Route 53 hosted zone of ${domain}, and without its id nothing writes that record, so the first deploy would wait for it forever. Find the id with: aws route53 list-hosted-zones-by-name --dns-name ${domain}. Without a Route 53 zone, leave --domain out (prod serves plain HTTP, written in the config) and set edge.domain with edge.dns: 'external' or edge.certificate later.`,
      EXIT.invalid,
    );
  const template = options.template ?? 'node';
  if (!(TEMPLATES as readonly string[]).includes(template))
    throw new CliError(
      `--template '${template}' is not a template; use one of: ${TEMPLATES.join(', ')}`,
      EXIT.invalid,
    );
  const templates = ['common', template].flatMap((folder) => {
    const base = join(TEMPLATES_DIR, folder);
    return listFiles(base).map((source) => ({
      source,
      target: join(root, targetPath(relative(base, source))),
    }));
  });
  const existing = templates.filter((t) => existsSync(t.target)).map((t) => relative(root, t.target));
  if (existing.length && !options.force) {
    throw new CliError(
      `berth init would overwrite ${existing.join(', ')} in ${root}. Move them away, or pass --force to overwrite.`,
      EXIT.failed,
    );
  }
  for (const t of templates) {
    mkdirSync(dirname(t.target), { recursive: true });
    const text = readFileSync(t.source, 'utf8')
      .replaceAll('{{name}}', name)
      .replaceAll('{{region}}', region)
      .replace('    // {{environments}}', environmentsBlock(domain, hostedZoneId))
      .replace(
        '  environments: {\n',
        domain ? '  environments: {\n' : `${PLAIN_HTTP_ACKNOWLEDGEMENT}  environments: {\n`,
      )
      .replaceAll('{{branch-map}}', SCAFFOLD_ENVIRONMENTS.map((e) => `${e.branch} → ${e.stage}`).join(', '))
      .replaceAll('{{stages}}', SCAFFOLD_ENVIRONMENTS.map((e) => e.stage).join(', '))
      .replaceAll("'{{branches}}'", SCAFFOLD_ENVIRONMENTS.map((e) => `'${e.branch}'`).join(', '))
      .replaceAll('{{branches-json}}', SCAFFOLD_ENVIRONMENTS.map((e) => `"${e.branch}"`).join(', '))
      .replaceAll(
        '{{environment-expression}}',
        SCAFFOLD_ENVIRONMENTS.map((e) => `github.ref_name == '${e.branch}' && '${e.stage}'`).join(' || '),
      );
    writeFileSync(t.target, text);
  }
  return {
    dir: root,
    name,
    template: template as TemplateName,
    ...(domain ? { domain } : {}),
    ...(hostedZoneId ? { hostedZoneId } : {}),
    files: templates.map((t) => relative(root, t.target)).sort(),
  };
}

/**
 * The `environments` entries of berth.config.ts. prod serves HTTPS on the domain; with none, the config says in
 * writing that prod serves plain HTTP (resolve refuses a prod with no certificate and no such choice).
 */
function environmentsBlock(domain: string | undefined, hostedZoneId: string | undefined): string {
  const lines = [
    "    // dev serves plain HTTP on the load balancer's own name, by its profile.",
    "    dev: { branch: 'development' },",
  ];
  if (domain) {
    lines.push(
      `    // api.staging.${domain} and api.${domain} on HTTPS: Berth creates the ACM certificates and`,
      `    // validates them in the Route 53 hosted zone of ${domain} (${hostedZoneId}).`,
      `    staging: {`,
      `      branch: 'staging',`,
      `      overrides: { edge: { domain: 'staging.${domain}', hostedZoneId: '${hostedZoneId}' } },`,
      `    },`,
      `    prod: { branch: 'main', overrides: { edge: { domain: '${domain}', hostedZoneId: '${hostedZoneId}' } } },`,
    );
  } else {
    lines.push(
      '    // staging serves plain HTTP until it has a domain, like dev.',
      "    staging: { branch: 'staging' },",
      '    prod: {',
      "      branch: 'main',",
      "      // No domain yet, so prod serves plain HTTP on the load balancer's own name, by this written choice.",
      "      // For HTTPS, replace it with edge: { domain: 'example.com' } (Berth creates the certificate).",
      '      overrides: { edge: { https: false } },',
      '    },',
    );
  }
  return lines.join('\n');
}

/**
 * Without a domain prod serves plain HTTP, an opt-out of a prod protection that `berth check` passes only with a
 * written reason (Berth-ProdOptOut): the scaffold writes it, for prod alone.
 */
const PLAIN_HTTP_ACKNOWLEDGEMENT = `  acknowledgements: [
    {
      rule: 'Berth-ProdOptOut',
      resource: 'edge.https',
      reason: "No domain yet: prod serves plain HTTP on the load balancer's own name until edge.domain is set.",
      environments: ['prod'],
    },
  ],
`;

/** `My Shop_API` → `my-shop-api`. */
export function appNameFrom(folder: string): string {
  const cleaned = folder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 40);
  return cleaned || 'app';
}

function targetPath(templatePath: string): string {
  return templatePath
    .split(/[\\/]/)
    .map((part) => (part.startsWith('dot-') ? `.${part.slice(4)}` : part))
    .join('/');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    })
    .sort();
}
