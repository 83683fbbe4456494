// AWS CDK v2 (TypeScript): the dynamo-dlm lock table and a least-privilege grant.
// Copy into your CDK app (it needs aws-cdk-lib and constructs; this repository does not build it).
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export interface LockTableStackProps extends StackProps {
  /** @default 'dynamo_dlm_locks' (the library's default) */
  readonly tableName?: string;
}

export class LockTableStack extends Stack {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: LockTableStackProps = {}) {
    super(scope, id, props);
    this.table = new Table(this, 'LockTable', {
      tableName: props.tableName ?? 'dynamo_dlm_locks',
      partitionKey: { name: 'resource_id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Epoch seconds. DynamoDB deletes an item some time after this passes: a released or
      // abandoned lock stays for `retention` (one day by default) so fencing tokens keep counting.
      timeToLiveAttribute: 'ttl',
      // Lock items are disposable; keep RETAIN if other tools share the table.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new CfnOutput(this, 'LockTableName', { value: this.table.tableName });
  }

  /**
   * Lets `grantee` acquire, renew and release locks whose resource id starts with `prefix`.
   * One action, UpdateItem: the lock never reads and never uses PutItem or DeleteItem.
   * (Prefer this to `table.grantWriteData()`, which also grants PutItem, DeleteItem and batch writes.)
   */
  grantLocking(grantee: IGrantable, prefix: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'TakeRenewReleaseLocks',
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] } },
      }),
    );
  }

  /** For operators: the CLI's `status` (GetItem; Query on a 'slots' table), `list` (Scan) and `release --force` (UpdateItem). */
  grantOperator(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'InspectAndForceRelease',
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
      }),
    );
  }
}

// Usage in your app:
//   const locks = new LockTableStack(app, 'Locks');
//   locks.grantLocking(billingWorkerRole, 'billing-');
