import { conditionsHold } from './conditions';
import { arnMatches, globMatches } from './match';

/**
 * IAM policy evaluation over policy documents whose values are plain strings (CloudFormation tokens already
 * resolved, see `resolvePolicy`), as AWS documents it for requests within one account:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
 *
 * - every request is implicitly denied;
 * - a matching `Deny` in any document wins over any `Allow`;
 * - otherwise one matching `Allow` in any document (identity-based or resource-based) allows it.
 *
 * Not modelled, because Berth emits none of them: SCPs/RCPs, permissions boundaries, session policies, policy
 * variables (`${aws:username}`), and cross-account evaluation (both sides must allow).
 */

export type ContextValue = string | boolean | number | readonly string[];
/** Request context keys (`aws:SourceArn`, `ecs:cluster`…); names compare case-insensitively, as in IAM. */
export type RequestContext = Readonly<Record<string, ContextValue>>;

/** Who calls, for resource-based policies (topic, queue, bucket policies) and trust policies. */
export interface RequestPrincipal {
  /** A service principal, e.g. `cloudwatch.amazonaws.com`. */
  readonly service?: string;
  /** An IAM principal ARN (role, user, account root). */
  readonly aws?: string;
  /** A federated principal: the OIDC provider ARN. */
  readonly federated?: string;
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Principal?: '*' | Readonly<Record<string, string | readonly string[]>>;
  readonly NotPrincipal?: '*' | Readonly<Record<string, string | readonly string[]>>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

/** A named document: the name says where it came from in reasons (`ServiceApiTaskRoleDefaultPolicy…`). */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

export interface Decision {
  readonly allowed: boolean;
  /** Why, naming the deciding statement (`Deny by Policy#Sid`) or `no statement allows …`. */
  readonly reason: string;
}

const list = <T>(v: T | readonly T[] | undefined): readonly T[] =>
  v === undefined ? [] : Array.isArray(v) ? (v as readonly T[]) : [v as T];

/** Whether a statement's Action/NotAction covers the action: wildcards, case-insensitive. */
export function actionMatches(statement: PolicyStatement, action: string): boolean {
  const hit = (patterns: readonly string[]) => patterns.some((p) => globMatches(p, action, true));
  if (statement.NotAction !== undefined) return !hit(list(statement.NotAction));
  return hit(list(statement.Action));
}

/** Resource/NotResource; a statement with neither (trust policies) applies to the resource it is attached to. */
export function resourceMatches(statement: PolicyStatement, resource: string): boolean {
  const hit = (patterns: readonly string[]) => patterns.some((p) => arnMatches(p, resource));
  if (statement.NotResource !== undefined) return !hit(list(statement.NotResource));
  if (statement.Resource === undefined) return true;
  return hit(list(statement.Resource));
}

function principalListMatches(
  spec: '*' | Readonly<Record<string, string | readonly string[]>>,
  principal: RequestPrincipal,
): boolean {
  if (spec === '*') return true;
  for (const [kind, values] of Object.entries(spec)) {
    const given =
      kind === 'Service'
        ? principal.service
        : kind === 'Federated'
          ? principal.federated
          : kind === 'AWS'
            ? principal.aws
            : undefined;
    for (const v of list(values)) {
      if (kind === 'AWS' && v === '*') return true;
      if (given !== undefined && v === given) return true;
    }
  }
  return false;
}

/**
 * Principal/NotPrincipal. Identity-based statements carry neither and apply to their holder; a statement that names
 * principals applies only to a request that says who calls.
 */
export function principalMatches(
  statement: PolicyStatement,
  principal: RequestPrincipal | undefined,
): boolean {
  if (statement.Principal === undefined && statement.NotPrincipal === undefined) return true;
  if (!principal) return false;
  if (statement.NotPrincipal !== undefined) return !principalListMatches(statement.NotPrincipal, principal);
  return principalListMatches(statement.Principal!, principal);
}

/**
 * Evaluates `action` on `resource` against the documents. Unknown condition operators never allow (an Allow whose
 * condition cannot be evaluated does not apply) and always deny (a Deny whose condition cannot be evaluated applies),
 * so the evaluator errs towards "not allowed".
 */
export function isAllowed(
  policies: readonly NamedPolicy[],
  action: string,
  resource: string,
  context: RequestContext = {},
  principal?: RequestPrincipal,
): Decision {
  let allowedBy: string | undefined;
  for (const policy of policies) {
    const statements = list(policy.document.Statement);
    for (const [i, statement] of statements.entries()) {
      if (!actionMatches(statement, action)) continue;
      if (!resourceMatches(statement, resource)) continue;
      if (!principalMatches(statement, principal)) continue;
      const where = `${policy.name}#${statement.Sid ?? i}`;
      const held = conditionsHold(statement.Condition, context);
      if (statement.Effect === 'Deny') {
        if (held !== false) return { allowed: false, reason: `explicitly denied by ${where}` };
      } else if (held === true) allowedBy ??= where;
    }
  }
  return allowedBy
    ? { allowed: true, reason: `allowed by ${allowedBy}` }
    : { allowed: false, reason: `no statement allows ${action} on ${resource}` };
}
