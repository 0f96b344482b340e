import { bucketUseName } from '../bucket-access';
import { commandNames, contractRefs } from '../commands';
import { contractFor } from '../contract';
import { show } from '../errors';
import type { ResolvedApp } from '../types';
import { isGraviton } from '../units';
import type { Ctx } from './context';
import { BASTION_SSM_ENDPOINTS, usesSecretsManager } from './network';
import { CHECKS_BY_HAND } from './by-hand';

/**
 * A rule that reads more than one section. Each section's own rules live beside its resolver; the rules that
 * relate sections live here, in one table, so a reader finds every interaction in one place and a new one has an
 * obvious home. Rules run on the resolved draft (defaults applied), after every section has resolved.
 */
export interface CrossRule {
  /** Stable id, for tests and for the docs' list of rules. */
  readonly id: string;
  /** The sections the rule relates, for the docs. */
  readonly sections: readonly string[];
  readonly check: (r: ResolvedApp, ctx: Ctx) => void;
}

const privateWithoutNat = (r: ResolvedApp) => r.network.nat === 'none' && !r.network.publicTasks;

export const CROSS_RULES: readonly CrossRule[] = [
  {
    id: 'commands-read-the-contract',
    sections: ['services', 'jobs'],
    check(r, ctx) {
      const refuse = (at: string, command: readonly string[] | undefined, service: string) => {
        if (!command || !r.services[service]) return;
        const allowed = commandNames(r, service);
        const given = new Set(contractFor(r, service).variables.map((v) => v.name));
        for (const name of contractRefs(command)) {
          if (name in allowed) continue;
          ctx.report(
            at,
            given.has(name)
              ? `\${${name}} is known only inside the running task (a secret or a resource attribute): read it from the environment; a command may use ${Object.keys(allowed).join(', ')}`
              : `\${${name}} is not a contract name service '${service}' receives (the config does not give it); a command may use ${Object.keys(allowed).join(', ')}`,
          );
        }
      };
      for (const s of Object.values(r.services)) {
        refuse(`services.${s.name}.command`, s.command, s.name);
        refuse(`services.${s.name}.dev.command`, s.dev?.command, s.name);
        refuse(`services.${s.name}.healthCheck.command`, s.healthCheck?.command, s.name);
      }
      for (const j of Object.values(r.jobs)) {
        refuse(`jobs.${j.name}.command`, j.command, j.service);
        refuse(`jobs.${j.name}.devCommand`, j.devCommand, j.service);
      }
    },
  },
  {
    id: 'service-uses-declared-stores',
    sections: ['services', 'database', 'cache', 'mail', 'buckets'],
    check(r, ctx) {
      const buckets = ctx.declared.buckets;
      for (const [name, s] of Object.entries(ctx.app.services)) {
        for (const use of s.uses?.buckets ?? []) {
          const b = bucketUseName(use);
          if (!buckets.includes(b))
            ctx.report(
              `services.${name}.uses.buckets`,
              `unknown bucket ${show(b)}; declared: ${buckets.join(', ') || 'none'}`,
            );
        }
        for (const k of ['database', 'cache', 'mail'] as const) {
          if (s.uses?.[k] && !r[k] && !ctx.declared.sections.has(k))
            ctx.report(`services.${name}.uses.${k}`, `the app declares no ${k}`);
        }
      }
    },
  },
  {
    id: 'env-files-in-declared-buckets',
    sections: ['services', 'buckets'],
    check(r, ctx) {
      const buckets = ctx.declared.buckets;
      for (const [name, s] of Object.entries(ctx.app.services)) {
        (s.envFiles ?? []).forEach((ref, i) => {
          const slash = ref.indexOf('/');
          if (slash < 1 || slash === ref.length - 1) return; // the shape is the service section's rule
          if (!buckets.includes(ref.slice(0, slash)))
            ctx.report(
              `services.${name}.envFiles.${i}`,
              `got ${show(ref)}; expected '<bucket>/<key>' with a declared bucket (${buckets.join(', ') || 'none declared'})`,
            );
        });
      }
    },
  },
  {
    id: 'job-runs-a-declared-service',
    sections: ['jobs', 'services'],
    check(r, ctx) {
      for (const [name, j] of Object.entries(r.jobs)) {
        if (!ctx.declared.services.includes(j.service))
          ctx.report(
            `jobs.${name}.service`,
            `got ${show(j.service)}; no such service; declared: ${ctx.declared.services.join(', ')}`,
          );
      }
    },
  },
  {
    id: 'multi-az-needs-two-azs',
    sections: ['database', 'network'],
    check(r, ctx) {
      if (r.database?.multiAz && r.network.azs < 2)
        ctx.report('database.multiAz', `Multi-AZ needs ≥ 2 AZs; network.azs is ${r.network.azs}`);
    },
  },
  {
    id: 'private-tasks-reach-aws-through-endpoints',
    sections: ['network', 'database', 'cache', 'services'],
    check(r, ctx) {
      if (!privateWithoutNat(r)) return;
      const { endpoints } = r.network;
      const missing: string[] = (['s3', 'ecr', 'logs'] as const).filter((e) => !endpoints.includes(e));
      if (usesSecretsManager(r) && !endpoints.includes('secretsmanager')) missing.push('secretsmanager');
      if (missing.length) {
        ctx.report(
          'network.endpoints',
          `with nat 'none' and private tasks, tasks can reach AWS only through endpoints; missing: ${missing.join(', ')} (or set publicTasks: true, or 'auto')`,
        );
      }
    },
  },
  {
    id: 'external-images-need-a-way-out',
    sections: ['network', 'services'],
    check(r, ctx) {
      if (!privateWithoutNat(r)) return;
      for (const s of Object.values(r.services)) {
        if (s.image.kind === 'external')
          ctx.report(
            `services.${s.name}.image`,
            "an image from outside ECR cannot be pulled with nat 'none' and private tasks; use nat 'single' or publicTasks: true",
          );
      }
    },
  },
  {
    id: 'private-mail-needs-the-ses-endpoint',
    sections: ['network', 'mail'],
    check(r, ctx) {
      if (privateWithoutNat(r) && r.mail && !r.network.endpoints.includes('ses')) {
        ctx.report(
          'network.endpoints',
          "mail is sent through the SES API, which private tasks without NAT reach only through its VPC endpoint: add 'ses' (or use 'auto', nat 'single', or publicTasks: true)",
        );
      }
    },
  },
  {
    id: 'standby-replicates-a-database',
    sections: ['standby', 'database'],
    check(_r, ctx) {
      const s = ctx.app.standby;
      if (
        s &&
        (s.enabled ?? ctx.profile.standby) &&
        !ctx.app.database &&
        !ctx.declared.sections.has('database')
      )
        ctx.report('standby', 'a pilot-light standby replicates the database: declare a database');
    },
  },
  {
    id: 'ec2-section-has-a-user',
    sections: ['ec2', 'services'],
    check(r, ctx) {
      if (ctx.app.ec2 && !r.ec2)
        ctx.report(
          'ec2',
          "no service has capacity 'ec2'; remove this section or set a service's capacity to 'ec2'",
        );
    },
  },
  {
    id: 'standby-fails-over-through-route53',
    sections: ['standby', 'edge'],
    check(r, ctx) {
      if (!r.standby) return;
      const why = `a standby (standby.region ${show(r.standby.region)}) takes traffic by Route 53 failover records`;
      if (r.edge.dns !== 'route53')
        ctx.report('edge.dns', `got ${show(r.edge.dns)}; ${why}: use dns 'route53' with edge.hostedZoneId`);
      else if (!r.edge.domain) ctx.report('edge.domain', `required: ${why} under edge.domain`);
      else if (!r.edge.hostedZoneId) ctx.report('edge.hostedZoneId', `required: ${why} in this hosted zone`);
      if (r.edge.cdn)
        ctx.report(
          'edge.cdn',
          `got true; ${why}, which Berth does not combine with CloudFront: set cdn: false or drop standby`,
        );
    },
  },
  {
    id: 'standby-replicates-only-the-database',
    sections: ['standby', 'services', 'buckets', 'mail'],
    check(r, ctx) {
      if (!r.standby) return;
      for (const s of Object.values(r.services)) {
        const uses = [
          ...(s.uses.buckets.length ? [`buckets (${s.uses.buckets.join(', ')})`] : []),
          ...(r.mail && s.uses.mail ? ['mail'] : []),
        ];
        if (uses.length)
          ctx.report(
            `services.${s.name}.uses`,
            `uses ${uses.join(' and ')}, which the pilot-light standby does not replicate; set uses: { buckets: [], mail: false } for it, or drop standby`,
          );
      }
    },
  },
  {
    id: 'ssm-bastion-needs-a-route-out',
    sections: ['bastion', 'network'],
    check(r, ctx) {
      if (!r.bastion || r.bastion.allowedCidrs.length || r.network.nat !== 'none') return;
      const missing = BASTION_SSM_ENDPOINTS.filter((e) => !r.network.endpoints.includes(e));
      if (missing.length)
        ctx.report(
          'bastion',
          `an SSM-only bastion (no allowedCidrs) needs a route to SSM, and with nat 'none' it has one only through the ssm, ssmmessages and ec2messages endpoints; network.endpoints lacks ${missing.join(', ')}: add ${missing.length === 1 ? 'it' : 'them'} (or use 'auto'), use nat 'single', or SSH (keyName and allowedCidrs)`,
        );
    },
  },
  {
    id: 'exec-needs-a-route-to-ssmmessages',
    sections: ['services', 'network'],
    check(r, ctx) {
      if (!privateWithoutNat(r) || r.network.endpoints.includes('ssmmessages')) return;
      for (const s of Object.values(r.services))
        if (s.exec)
          ctx.report(
            `services.${s.name}.exec`,
            "ECS Exec opens its sessions through Systems Manager's ssmmessages, which private tasks without NAT reach only through its VPC endpoint: add 'ssmmessages' to network.endpoints (or use 'auto', nat 'single', publicTasks: true), or set exec: false",
          );
    },
  },
  {
    id: 'ec2-instances-match-the-services-arch',
    sections: ['ec2', 'services'],
    check(r, ctx) {
      if (!r.ec2) return;
      const users = Object.values(r.services).filter((s) => s.capacity === 'ec2');
      const arches = [...new Set(users.map((s) => s.arch))];
      const type = r.ec2.instanceType;
      const runs = isGraviton(type) ? 'arm64' : 'x86_64';
      if (arches.length > 1)
        ctx.report(
          'ec2',
          `services on capacity 'ec2' share one instance type, but their arch differ (${users.map((s) => `${s.name}: ${s.arch}`).join(', ')}); give them one arch`,
        );
      else if (arches[0] && arches[0] !== runs)
        ctx.report(
          'ec2.instanceType',
          `got ${show(type)}, which runs ${runs}, but the services on it are ${arches[0]}; pick a ${arches[0] === 'arm64' ? 'Graviton (…g.) type such as m7g.large' : 'non-Graviton type such as m7i.large'} or change their arch`,
        );
    },
  },
  ...CHECKS_BY_HAND,
];
