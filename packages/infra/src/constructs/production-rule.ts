import { Construct } from 'constructs';
import type { CfnResource } from 'aws-cdk-lib';
import { CustomResource, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

export interface ProductionListenerRuleProps {
  readonly listener: elbv2.IApplicationListener;
  readonly priority: number;
  readonly conditions: readonly elbv2.ListenerCondition[];
  /** The service's target group (100 at creation) and its alternate (0). */
  readonly targetGroups: readonly [elbv2.IApplicationTargetGroup, elbv2.IApplicationTargetGroup];
}

/** The custom resource type: its `RuleArn` is the production listener rule ECS shifts. */
export const PRODUCTION_RULE_TYPE = 'Custom::ProductionListenerRule';

/**
 * The listener rule whose forward weights ECS moves between a service's two target groups (canary, linear,
 * blue/green), created and edited by a small function instead of an AWS::ElasticLoadBalancingV2::ListenerRule.
 *
 * Why: ECS shifts traffic by rewriting the rule's weights (100/0 → 0/100) and never tells CloudFormation, so the next
 * stack update that touches a plain ListenerRule (a host, a path, a priority moved by a new route) writes the
 * template's 100/0 back and sends production traffic to the target group ECS emptied: aws/aws-cdk#36649, and
 * aws/containers-roadmap#2853 (ECS does not check the weights before it shifts). Here CloudFormation owns only what
 * the config decides: a create writes 100/0 (or the weights of the rule it takes over), an update edits the conditions
 * (ModifyRule without Actions) and the priority (SetRulePriorities) and leaves the weights to ECS; only a change of
 * target groups rewrites the action, with the live weights kept in place. A stack that had a plain rule at the same
 * priority keeps its live weights too: the new rule copies them, one priority ahead, and the old one is deleted.
 *
 * Cost: one Lambda function per ALB, run only by deploys (free tier); its logs at CloudWatch prices.
 */
export class ProductionListenerRule extends Construct {
  readonly listenerRuleArn: string;
  readonly listenerArn: string;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ProductionListenerRuleProps) {
    super(scope, id);
    this.listenerArn = props.listener.listenerArn;
    const handler = handlerFor(scope, props.listener);
    this.resource = new CustomResource(this, 'Resource', {
      resourceType: PRODUCTION_RULE_TYPE,
      serviceToken: handler.functionArn,
      properties: {
        ListenerArn: props.listener.listenerArn,
        Priority: props.priority,
        // The ELB API's shape (PascalCase), which is CloudFormation's too: the CDK renders its L1 camelCase.
        Conditions: props.conditions.map((c) => pascalKeys(c.renderRawCondition())),
        TargetGroups: props.targetGroups.map((g) => g.targetGroupArn),
      },
    });
    this.listenerRuleArn = this.resource.getAttString('RuleArn');
    // The CDK's own bookkeeping (target group metrics, the service's ordering) needs the groups on the listener.
    for (const g of props.targetGroups) g.registerListener(props.listener, this.resource);
  }
}

function pascalKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pascalKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k.charAt(0).toUpperCase() + k.slice(1), pascalKeys(x)]),
  );
}

/** One function per listener's scope: every shifting service's rule on that ALB uses it. */
function handlerFor(scope: Construct, listener: elbv2.IApplicationListener): lambda.Function {
  const existing = scope.node.tryFindChild('ProductionRuleHandler');
  if (existing) return existing as lambda.Function;
  const logGroup = new logs.LogGroup(scope, 'ProductionRuleHandlerLogs', {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // listener ARN …:listener/app/<alb>/<id>/<listener-id> → its rules …:listener-rule/app/<alb>/<id>/<listener-id>/*
  const parts = Fn.split(':listener/', listener.listenerArn, 2);
  const rules = Fn.join('', [Fn.select(0, parts), ':listener-rule/', Fn.select(1, parts), '/*']);
  const role = new iam.Role(scope, 'ProductionRuleHandlerRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description:
      'Creates and edits the production listener rules ECS shifts, never their weights once created',
    inlinePolicies: {
      Rules: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
          // No resource-level permissions for Describe* in Elastic Load Balancing.
          new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeRules'], resources: ['*'] }),
          new iam.PolicyStatement({
            actions: ['elasticloadbalancing:CreateRule'],
            resources: [listener.listenerArn],
          }),
          new iam.PolicyStatement({
            actions: [
              'elasticloadbalancing:ModifyRule',
              'elasticloadbalancing:SetRulePriorities',
              'elasticloadbalancing:DeleteRule',
            ],
            resources: [rules],
          }),
        ],
      }),
    },
  });
  const fn = new lambda.Function(scope, 'ProductionRuleHandler', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(HANDLER),
    timeout: Duration.minutes(2),
    role,
    logGroup,
    description: 'Berth: production listener rules whose weights ECS owns (aws-cdk#36649)',
  });
  // The CDK adds a DependsOn on the role beside the GetAtt that already orders it (cfn-lint W3005).
  (fn.node.defaultChild as CfnResource).addDeletionOverride('DependsOn');
  return fn;
}

/**
 * The function (Node.js, AWS SDK v3 from the runtime), inline so synthesis needs no asset. It answers CloudFormation
 * itself (a PUT to the presigned ResponseURL). Properties arrive as strings.
 */
const HANDLER = `const E=require('@aws-sdk/client-elastic-load-balancing-v2'),https=require('https');
const elb=new E.ElasticLoadBalancingV2Client({});
const x=(c,i)=>elb.send(new E[c+'Command'](i));
const fwd=(g,w)=>[{Type:'forward',ForwardConfig:{TargetGroups:g.map((a,i)=>({TargetGroupArn:a,Weight:w[i]??0}))}}];
const weightsOf=(rule,g)=>{const t=((rule&&rule.Actions)||[]).find(a=>a.Type==='forward');const tg=(t&&t.ForwardConfig&&t.ForwardConfig.TargetGroups)||(t&&t.TargetGroupArn?[{TargetGroupArn:t.TargetGroupArn,Weight:1}]:[]);return g.map(a=>{const f=tg.find(q=>q.TargetGroupArn===a);return f?(f.Weight??1):0})};
const reply=(e,Status,id,Reason)=>new Promise((ok,ko)=>{const b=JSON.stringify({Status,Reason:Reason||'see the function log',PhysicalResourceId:id,StackId:e.StackId,RequestId:e.RequestId,LogicalResourceId:e.LogicalResourceId,Data:{RuleArn:id}});const u=new URL(e.ResponseURL);const r=https.request({hostname:u.hostname,path:u.pathname+u.search,method:'PUT',headers:{'content-type':'','content-length':Buffer.byteLength(b)}},s=>{s.resume();s.on('end',ok)});r.on('error',ko);r.end(b)});
exports.handler=async e=>{
const p=e.ResourceProperties,o=e.OldResourceProperties||{};let id=e.PhysicalResourceId||'none';
try{
const g=p.TargetGroups,prio=Number(p.Priority);
if(e.RequestType==='Delete'){if(id.startsWith('arn:'))await x('DeleteRule',{RuleArn:id}).catch(err=>{if(err.name!=='RuleNotFoundException')throw err})}
else if(e.RequestType==='Create'||p.ListenerArn!==o.ListenerArn){
const rules=(await x('DescribeRules',{ListenerArn:p.ListenerArn})).Rules||[];
let from=e.RequestType==='Update'?((await x('DescribeRules',{RuleArns:[id]}).catch(()=>({Rules:[]}))).Rules||[])[0]:undefined;
const taken=rules.find(r=>r.Priority===String(prio));
if(!from&&taken&&weightsOf(taken,g).some(w=>w>0))from=taken;
const w=from?weightsOf(from,e.RequestType==='Update'?o.TargetGroups:g):[100,0];
id=(await x('CreateRule',{ListenerArn:p.ListenerArn,Priority:taken?prio-1:prio,Conditions:p.Conditions,Actions:fwd(g,w)})).Rules[0].RuleArn;
}else{
const live=((await x('DescribeRules',{RuleArns:[id]})).Rules||[])[0];
const same=JSON.stringify(g)===JSON.stringify(o.TargetGroups);
await x('ModifyRule',{RuleArn:id,Conditions:p.Conditions,...(same?{}:{Actions:fwd(g,weightsOf(live,o.TargetGroups))})});
if(live.Priority!==String(prio))await x('SetRulePriorities',{RulePriorities:[{RuleArn:id,Priority:prio}]});
}
await reply(e,'SUCCESS',id);
}catch(err){console.error(err);await reply(e,'FAILED',id,String((err&&err.message)||err).slice(0,900))}};
`;

/** The handler's source, for tests that run it against a mocked SDK. */
export const PRODUCTION_RULE_HANDLER_SOURCE = HANDLER;
