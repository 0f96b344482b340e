import { RESUME, STATUSES } from './domain';

/**
 * JSON schemas for bodies, params and responses. Fastify validates requests with them (400 naming the failing
 * field) and compiles the response ones into serializers, which is also what keeps the hot GETs cheap.
 */
const uuid = { type: 'string', format: 'uuid' } as const;
/**
 * Ids as PostgreSQL prints them: the `uuid` format also accepts `urn:uuid:…`, which the database refuses, so inputs
 * take only the canonical lower-case hyphenated form (the one every response carries).
 */
const idInput = {
  type: 'string',
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
} as const;
/** PostgreSQL text cannot hold U+0000. */
const NO_NUL = '^[^\\u0000]*$';
/** One line: a title becomes an email subject, where a line break would be refused (or start a header). */
const ONE_LINE = '^[^\\u0000-\\u001f\\u007f]*$';
/**
 * RFC 3339 with a four-digit year from 1000: `date-time` alone admits year 0000 (no such year in PostgreSQL) and
 * leap seconds, which the database would refuse or shift; offsets within the ±14:00 that real zones use.
 */
const timestampInput = {
  type: 'string',
  format: 'date-time',
  pattern:
    '^[1-9]\\d{3}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:[0-5]\\d(\\.\\d{1,6})?([Zz]|[+-](0\\d|1[0-4]):[0-5]\\d)$',
} as const;
const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: idInput },
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
    title: { type: 'string', minLength: 1, maxLength: 200, pattern: ONE_LINE },
    description: { type: 'string', minLength: 1, maxLength: 20_000, pattern: NO_NUL },
    closesAt: timestampInput,
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
  properties: { opportunityId: idInput },
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
