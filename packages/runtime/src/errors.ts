/**
 * The runtime's error hierarchy. Every error a route may surface has a stable `code` (for clients and alarms)
 * and an HTTP `statusCode`; the Fastify plugin maps them in one place.
 */
export class BerthError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details?: unknown;

  constructor(
    message: string,
    options: { code?: string; statusCode?: number; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'INTERNAL';
    this.statusCode = options.statusCode ?? 500;
    if (options.details !== undefined) this.details = options.details;
  }
}

type SubclassOptions = { code?: string; details?: unknown; cause?: unknown };

export class BadRequestError extends BerthError {
  constructor(message = 'Bad request', options: SubclassOptions = {}) {
    super(message, { code: 'BAD_REQUEST', ...options, statusCode: 400 });
  }
}

export class UnauthorizedError extends BerthError {
  constructor(message = 'Unauthorized', options: SubclassOptions = {}) {
    super(message, { code: 'UNAUTHORIZED', ...options, statusCode: 401 });
  }
}

export class ForbiddenError extends BerthError {
  constructor(message = 'Forbidden', options: SubclassOptions = {}) {
    super(message, { code: 'FORBIDDEN', ...options, statusCode: 403 });
  }
}

export class NotFoundError extends BerthError {
  constructor(message = 'Not found', options: SubclassOptions = {}) {
    super(message, { code: 'NOT_FOUND', ...options, statusCode: 404 });
  }
}

export class ConflictError extends BerthError {
  constructor(message = 'Conflict', options: SubclassOptions = {}) {
    super(message, { code: 'CONFLICT', ...options, statusCode: 409 });
  }
}

export class ServiceUnavailableError extends BerthError {
  constructor(message = 'Service unavailable', options: SubclassOptions = {}) {
    super(message, { code: 'UNAVAILABLE', ...options, statusCode: 503 });
  }
}

/** A contract variable is missing or malformed. Names the variable and the expectation, never the value. */
export class RuntimeConfigError extends BerthError {
  readonly variable: string;

  constructor(variable: string, expected: string) {
    super(`${variable}: expected ${expected}`, { code: 'RUNTIME_CONFIG', statusCode: 500 });
    this.variable = variable;
  }
}

/** A storage key part failed validation; thrown before anything is signed. */
export class InvalidKeyError extends BadRequestError {
  constructor(message: string) {
    super(message, { code: 'INVALID_KEY' });
  }
}

/** The database cannot be reached (connection refused/reset, admin shutdown, pool exhausted past its timeout). */
export class DatabaseUnavailableError extends ServiceUnavailableError {
  constructor(message = 'Database unavailable', options: SubclassOptions = {}) {
    super(message, { ...options, code: 'DB_UNAVAILABLE' });
  }
}

/** A statement ran past statement_timeout (SQLSTATE 57014). */
export class DatabaseTimeoutError extends ServiceUnavailableError {
  constructor(message = 'Database statement timed out', options: SubclassOptions = {}) {
    super(message, { ...options, code: 'DB_TIMEOUT' });
  }
}
