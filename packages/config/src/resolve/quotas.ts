import { z } from 'zod';

// The `quotas` setting's shape: here rather than in schema.ts, which holds the 500-line limit.
/**
 * Service Quotas of the environment's account and region where they were raised above AWS's defaults: `berth check`
 * adds up what every environment of the app uses in one account and region and warns past these (else the
 * defaults). @default - AWS's defaults (VPCs 5, Elastic IPs 5, NAT gateways per AZ 5, ALBs 50, rules per ALB 100,
 * security groups 2,500 per region)
 */
export const quotasSchema = z.strictObject({
  vpcs: z.number().int().positive().optional(),
  elasticIps: z.number().int().positive().optional(),
  natGatewaysPerAz: z.number().int().positive().optional(),
  loadBalancers: z.number().int().positive().optional(),
  rulesPerLoadBalancer: z.number().int().positive().optional(),
  securityGroups: z.number().int().positive().optional(),
});
