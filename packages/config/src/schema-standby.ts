import { z } from 'zod';

/** `standby`: a pilot-light copy of one environment in a second region. */
export const standbySchema = z.strictObject({
  /** Region of the pilot-light copy. */
  region: z.string(),
  /** @default - profile: prod only */
  enabled: z.boolean().optional(),
  /** Tasks kept running in the standby. @default 0 */
  tasks: z.number().int().optional(),
  /** The standby VPC's CIDR, peered with the primary's. @default - the block after network.cidr's (10.1.0.0/16) */
  cidr: z.string().optional(),
});
