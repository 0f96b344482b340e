/**
 * The VPC endpoints Berth can create (`network.endpoints`). 's3' is the free gateway endpoint; the others are
 * interface endpoints. 'ssmmessages' carries ECS Exec and Session Manager sessions
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html); 'ssm' and 'ec2messages' are what
 * else the SSM agent on an EC2 instance (the bastion) calls
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html).
 */
export const VPC_ENDPOINTS = [
  's3',
  'ecr',
  'logs',
  'secretsmanager',
  'ses',
  'ssm',
  'sts',
  'ssmmessages',
  'ec2messages',
] as const;
