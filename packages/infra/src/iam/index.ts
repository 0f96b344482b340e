export {
  isAllowed,
  actionMatches,
  resourceMatches,
  principalMatches,
  type Decision,
  type NamedPolicy,
  type PolicyDocument,
  type PolicyStatement,
  type RequestContext,
  type RequestPrincipal,
  type ContextValue,
} from './evaluate';
export { globMatches, arnMatches } from './match';
export { TokenResolver, type Placement } from './tokens';
export { rolePolicies, trustPolicy, resourcePolicies } from './policies';
export { holdersOf, secretArnOf, type Call, type Holder } from './holders';
export { deployerHolder, CDK_BOOTSTRAP_ROLES } from './deployer-calls';
