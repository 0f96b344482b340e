import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MailMessage, Runtime, Storage } from '@berthjs/runtime';

/** What the route plugins share; built once in `buildApp`. */
export interface TalentContext {
  readonly runtime: Runtime;
  readonly resumes: Storage;
  readonly cacheKeys: { readonly opportunityList: string };
  readonly hooks: {
    readonly authenticated: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    readonly reviewer: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  };
  /** Sends an email; a mail failure is logged and counted, never fails the request that caused it. */
  notify(message: MailMessage): Promise<void>;
}

export function createNotify(runtime: Runtime): TalentContext['notify'] {
  return async (message) => {
    try {
      const result = await runtime.mail.send(message);
      runtime.metrics.count('MailSent', 1, { status: result.status });
    } catch (err) {
      runtime.metrics.count('MailFailed');
      runtime.log.error({ err, subject: message.subject }, 'talent: email not sent');
    }
  };
}
