import { startMailEvents, type LocalMailEvents } from '@berthjs/dev';
import { freePort } from './ports';

export type { LocalMailEvents };

/**
 * An SNS topic subscribed by an SQS queue on a free loopback port (fauxqs, the SNS/SQS emulator `berth dev` runs):
 * what SES → SNS → SQS delivers, over the real SQS wire protocol. Only the given access key is answered.
 */
export async function startSqsLocal(
  name: string,
  credentials = { accessKeyId: 'test', secretAccessKey: 'test' },
): Promise<LocalMailEvents> {
  return startMailEvents({ port: await freePort(), region: 'us-east-1', name, credentials });
}
