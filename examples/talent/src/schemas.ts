import { RESUME, STATUSES } from './domain';

/**
 * JSON schemas for bodies, params and responses. Fastify validates requests with them (400 naming the failing
 * field) and compiles the response ones into serializers, which is also what keeps the hot GETs cheap.
 */
const uuid = { type: 'string', format: 'uuid' } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: uuid },
} as const;

export const opportunity = {
  type: 'object',
  required: ['id', 'title', 'description', 'closesAt', 'createdAt'],
  properties: {
    id: uuid,
    title: { type: 'string' },
    description: { type: 'string' },
    closesAt: nullableTimestamp,
    createdAt: timestamp,
  },
} as const;

export const createOpportunityBody = {
  type: 'object',
  required: ['title', 'description'],
  additionalProperties: false,
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', minLength: 1, maxLength: 20_000 },
    closesAt: timestamp,
  },
} as const;

export const application = {
  type: 'object',
  required: ['id', 'opportunityId', 'status', 'applicantEmail', 'createdAt', 'updatedAt', 'submittedAt'],
  properties: {
    id: uuid,
    opportunityId: uuid,
    status: { type: 'string', enum: STATUSES },
    applicantEmail: { type: 'string' },
    createdAt: timestamp,
    updatedAt: timestamp,
    submittedAt: nullableTimestamp,
  },
} as const;

export const createApplicationBody = {
  type: 'object',
  required: ['opportunityId'],
  additionalProperties: false,
  properties: { opportunityId: uuid },
} as const;

export const resumeUploadBody = {
  type: 'object',
  required: ['contentType', 'size'],
  additionalProperties: false,
  properties: {
    contentType: { type: 'string', enum: Object.keys(RESUME.contentTypes) },
    size: { type: 'integer', minimum: 1, maximum: RESUME.maxBytes },
  },
} as const;

export const presignedUpload = {
  type: 'object',
  required: ['url', 'method', 'headers', 'key', 'expiresAt'],
  properties: {
    url: { type: 'string' },
    method: { type: 'string', enum: ['POST', 'PUT'] },
    fields: { type: 'object', additionalProperties: { type: 'string' } },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    key: { type: 'string' },
    expiresAt: timestamp,
  },
} as const;

export const statusBody = {
  type: 'object',
  required: ['status'],
  additionalProperties: false,
  properties: { status: { type: 'string', enum: STATUSES } },
} as const;

export const statusResponse = {
  type: 'object',
  required: ['id', 'status'],
  properties: { id: uuid, status: { type: 'string', enum: STATUSES } },
} as const;

export const resumeUrl = {
  type: 'object',
  required: ['url', 'expiresAt'],
  properties: { url: { type: 'string' }, expiresAt: timestamp },
} as const;

export const bearer = [{ bearer: [] }];
