import { contractFor, scheduleName } from '@berthjs/config';
import { containerOf, resourcesOfType, type BerthRule, type RuleViolation } from './rule';

/**
 * Every scheduled job runs a task definition whose container (named after the job's service) gets every required
 * variable of that service's contract through the right channel: a job sees exactly what its service sees.
 */
export const JobsCarryContract: BerthRule = {
  id: 'Berth-JobsCarryContract',
  description: "Each job's schedule runs a task definition carrying its service's contract",
  severity: 'error',
  check(input) {
    const out: RuleViolation[] = [];
    const { resolved, template } = input;
    const schedules = resourcesOfType(template, 'AWS::Scheduler::Schedule');
    const resources = template.Resources ?? {};
    for (const job of Object.values(resolved.jobs)) {
      const name = scheduleName(resolved, job.name);
      const schedule = schedules.find(([, s]) => s.Properties?.Name === name);
      if (!schedule) {
        out.push({ resource: job.name, message: `no schedule named ${name}` });
        continue;
      }
      const [id, s] = schedule;
      const arn = (
        s.Properties?.Target as { EcsParameters?: { TaskDefinitionArn?: { Ref?: string } } } | undefined
      )?.EcsParameters?.TaskDefinitionArn;
      const task = arn?.Ref ? resources[arn.Ref] : undefined;
      if (!task || task.Type !== 'AWS::ECS::TaskDefinition') {
        out.push({ resource: id, message: `job '${job.name}' does not run a task definition of this stack` });
        continue;
      }
      const container = containerOf(task, job.service);
      if (!container) {
        out.push({
          resource: arn!.Ref!,
          message: `no container named '${job.service}' for job '${job.name}'`,
        });
        continue;
      }
      const env = new Set((container.Environment ?? []).map((e) => e.Name));
      const secrets = new Set((container.Secrets ?? []).map((e) => e.Name));
      for (const v of contractFor(resolved, job.service).variables) {
        if (!v.required) continue;
        const has = v.secret ? secrets.has(v.name) : env.has(v.name);
        if (!has)
          out.push({
            resource: arn!.Ref!,
            message: `job '${job.name}' lacks ${v.name}${v.secret ? ' (secret)' : ''} of service '${job.service}'`,
          });
      }
    }
    return out;
  },
};
