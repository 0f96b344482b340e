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

/**
 * PostgreSQL refused a value the client sent (SQLSTATE class 22, "data exception": a malformed uuid, a NUL byte, a
 * date out of range). That is bad input reaching the database, so a 400 — never a 500 or an error-level alarm.
 */
export class InvalidInputError extends BadRequestError {
  readonly sqlstate: string;

  constructor(sqlstate: string, options: SubclassOptions = {}) {
    super(`A value in the request is not valid (${DATA_EXCEPTIONS[sqlstate] ?? 'data_exception'})`, {
      code: 'INVALID_INPUT',
      details: { sqlstate, condition: DATA_EXCEPTIONS[sqlstate] ?? 'data_exception' },
      ...options,
    });
    this.sqlstate = sqlstate;
  }
}

/**
 * Condition names of class 22, from PostgreSQL's errcodes table
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html). Any other 22xxx still maps to a 400.
 */
const DATA_EXCEPTIONS: Readonly<Record<string, string>> = Object.freeze({
  '22000': 'data_exception',
  '22001': 'string_data_right_truncation',
  '22002': 'null_value_no_indicator_parameter',
  '22003': 'numeric_value_out_of_range',
  '22004': 'null_value_not_allowed',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22009': 'invalid_time_zone_displacement_value',
  '2200N': 'invalid_xml_content',
  '22012': 'division_by_zero',
  '22015': 'interval_field_overflow',
  '22018': 'invalid_character_value_for_cast',
  '22019': 'invalid_escape_character',
  '22021': 'character_not_in_repertoire',
  '22023': 'invalid_parameter_value',
  '22025': 'invalid_escape_sequence',
  '2202E': 'array_subscript_error',
  '22P02': 'invalid_text_representation',
  '22P03': 'invalid_binary_representation',
  '22P05': 'untranslatable_character',
  '22030': 'duplicate_json_object_key_value',
  '22032': 'invalid_json_text',
});

/**
 * The 400 for a database error of class 22, else undefined. Recognises the server's error by its shape (a
 * five-character SQLSTATE plus `severity`, as node-postgres and postgres.js both report it), also when it is the
 * `cause` of another error, so apps on any driver get it.
 */
export function dataExceptionOf(err: unknown): InvalidInputError | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const { code, severity } = e as { code?: unknown; severity?: unknown };
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && typeof severity === 'string')
      return new InvalidInputError(code, { cause: e });
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
