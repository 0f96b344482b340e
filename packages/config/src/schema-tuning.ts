import { z } from 'zod';

/**
 * Schema pieces for what the source documents set by hand (issue 29): the EC2 capacity of services on ECS on EC2,
 * and the engine parameters of the database and the cache.
 */

export const ec2Schema = z.strictObject({
  /** Instance type of the ECS cluster's Auto Scaling group. @default 't3.medium' */
  instanceType: z
    .string()
    .regex(/^[a-z0-9]+\.[a-z0-9]+$/, "an EC2 instance type such as 't3.medium'")
    .optional(),
  /** @default 1 */
  minInstances: z.number().int().optional(),
  /**
   * Most instances. Each holds (its type's network interfaces − 1) awsvpc tasks (t3.medium: 2), and the instances
   * must hold the services' most tasks (scaling max, or count): a ceiling set below it is refused.
   * @default - 3, or as many as the services' most tasks need when that is more
   */
  maxInstances: z.number().int().optional(),
  /** Managed scaling adds instances when reservation passes this %. @default 100 */
  targetCapacityPercent: z.number().int().optional(),
});

/**
 * Engine parameters in Berth's own parameter group, e.g. `{ log_min_duration_statement: 500 }`. RDS: a DB parameter
 * group; Aurora: a DB cluster parameter group; ElastiCache: a cache parameter group. `berth check` notes the ones
 * whose change needs a reboot. @default - none: the engine's default parameter group
 */
export const parametersSchema = z.record(z.string(), z.union([z.string().min(1), z.number()]));
