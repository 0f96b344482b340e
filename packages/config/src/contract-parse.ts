/**
 * Small parsers for contract variables, each naming what it expects (AWS Powertools' envUtils is the model). They
 * throw ContractValueError with the variable's name and never echo the value: some variables are credentials.
 * No dependencies, so the runtime can read the contract without zod.
 */
export class ContractValueError extends Error {
  override readonly name = 'ContractValueError';
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`${variable}: expected ${expected}`);
  }
}

/** Turns the raw string (trimmed, non-empty) into a value, or throws ContractValueError naming `variable`. */
export type Parser<T> = (raw: string, variable: string) => T;

export function matching(pattern: RegExp, expected: string): Parser<string> {
  return (raw, variable) => {
    if (!pattern.test(raw)) throw new ContractValueError(variable, expected);
    return raw;
  };
}

export const anyText: Parser<string> = (raw) => raw;

export function integer(min: number, max: number): Parser<number> {
  return (raw, variable) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max)
      throw new ContractValueError(variable, `an integer from ${min} to ${max}`);
    return value;
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Parser<T> {
  return (raw, variable) => {
    if (!(values as readonly string[]).includes(raw))
      throw new ContractValueError(variable, `one of ${values.join(', ')}`);
    return raw as T;
  };
}

export function url(protocols: readonly string[]): Parser<string> {
  return (raw, variable) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ContractValueError(variable, `a ${protocols.join(' or ')} URL`);
    }
    if (!protocols.includes(parsed.protocol.slice(0, -1)))
      throw new ContractValueError(variable, `a ${protocols.join(' or ')} URL`);
    return raw;
  };
}

export const urlPath = matching(/^\/[\w\-./]*$/, 'an absolute URL path such as /health');
export const name = matching(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'a name of letters, digits and dashes');
export const region = matching(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1');
export const host = matching(/^[A-Za-z0-9.-]+$/, 'a host name');
export const secretArn = matching(
  /^arn:aws[\w-]*:secretsmanager:/,
  'a Secrets Manager secret ARN (arn:aws:secretsmanager:...)',
);
export const bucketName = matching(
  /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  'an S3 bucket name (3–63 of a-z, 0-9, ".", "-")',
);
