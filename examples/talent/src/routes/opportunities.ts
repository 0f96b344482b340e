import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '@berthjs/runtime';
import type { TalentContext } from '../context';
import { bearer, createOpportunityBody, idParams, opportunity } from '../schemas';
import { findOpportunity, insertOpportunity, listOpportunities, type Opportunity } from '../store';

/** Cached list lifetime; creating an opportunity invalidates it at once, so this only bounds staleness across bugs. */
const LIST_TTL_SECONDS = 300;

/**
 * The cached list as this release stores it. Anything else (an older release's shape, a value written by someone
 * else) throws, and the runtime treats it as a miss: the list is read from the database and cached again, where
 * serializing a wrong shape against the response schema would have been a 500.
 */
export function parseOpportunityList(value: unknown): Opportunity[] {
  const text = (v: unknown) => typeof v === 'string';
  if (
    !Array.isArray(value) ||
    !value.every(
      (o: unknown) =>
        typeof o === 'object' &&
        o !== null &&
        text((o as Opportunity).id) &&
        text((o as Opportunity).title) &&
        text((o as Opportunity).description) &&
        ((o as Opportunity).closesAt === null || text((o as Opportunity).closesAt)) &&
        text((o as Opportunity).createdAt),
    )
  )
    throw new Error('not a list of opportunities');
  return value as Opportunity[];
}

export function opportunityRoutes(ctx: TalentContext) {
  const { runtime, cacheKeys, hooks } = ctx;
  const { db } = runtime;

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Body: { title: string; description: string; closesAt?: string } }>(
      '/opportunities',
      {
        onRequest: hooks.reviewer,
        schema: {
          tags: ['opportunities'],
          summary: 'Publish an opportunity (reviewer)',
          security: bearer,
          body: createOpportunityBody,
          response: { 201: opportunity },
        },
      },
      async (request, reply) => {
        const created = await insertOpportunity(db.write, {
          ...request.body,
          createdBy: request.principal!.sub,
        });
        await runtime.cache.del(cacheKeys.opportunityList);
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/opportunities',
      {
        schema: {
          tags: ['opportunities'],
          summary: 'The newest opportunities (cached)',
          response: { 200: { type: 'array', items: opportunity } },
        },
      },
      // The writer, not a replica: a lagging replica would re-cache the list without the opportunity just created.
      () =>
        runtime.cache.wrap<Opportunity[]>(
          cacheKeys.opportunityList,
          LIST_TTL_SECONDS,
          () => listOpportunities(db.write),
          { parse: parseOpportunityList },
        ),
    );

    app.get<{ Params: { id: string } }>(
      '/opportunities/:id',
      {
        schema: {
          tags: ['opportunities'],
          summary: 'One opportunity',
          params: idParams,
          response: { 200: opportunity },
        },
      },
      async (request) => {
        const found = await findOpportunity(db.read, request.params.id);
        if (!found) throw new NotFoundError('Opportunity not found');
        return found;
      },
    );
  };
}
