import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '@berthjs/runtime';
import type { TalentContext } from '../context';
import { bearer, createOpportunityBody, idParams, opportunity } from '../schemas';
import { findOpportunity, insertOpportunity, listOpportunities, type Opportunity } from '../store';

/** Cached list lifetime; creating an opportunity invalidates it at once, so this only bounds staleness across bugs. */
const LIST_TTL_SECONDS = 300;

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
        runtime.cache.wrap<Opportunity[]>(cacheKeys.opportunityList, LIST_TTL_SECONDS, () =>
          listOpportunities(db.write),
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
