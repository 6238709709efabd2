import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logicalId, resources, synth } from './synth';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

describe('IAM', () => {
  const { template } = synth();
  const id = (type: string, prefix: string) => logicalId(template, type, prefix);
  const table = id('AWS::DynamoDB::Table', 'Table');
  const queue = id('AWS::SQS::Queue', 'JobsDF');
  const key = id('AWS::KMS::Key', 'SecretsKey');

  /** Every Allow statement of a function's role: action -> the logical ids of its resources. */
  const grants = (fn: string): Map<string, Set<string>> => {
    const role = id('AWS::IAM::Role', `${fn}Role`);
    const byAction = new Map<string, Set<string>>();
    for (const policy of Object.values(resources(template, 'AWS::IAM::Policy'))) {
      if (!policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role)) continue;
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        assert.equal(statement.Effect, 'Allow');
        const targets = [statement.Resource].flat().map((r) => JSON.stringify(r).match(/"(?:Ref|Fn::GetAtt)":\[?"(\w+)"/)![1]);
        for (const action of [statement.Action].flat()) {
          const set = byAction.get(action) ?? new Set<string>();
          targets.forEach((t) => set.add(t));
          byAction.set(action, set);
        }
      }
    }
    return byAction;
  };
  const on = (fn: string, prefix: string) =>
    [...grants(fn)].filter(([, targets]) => [...targets].every((t) => t === prefix)).map(([action]) => action).sort();
  const logs = (fn: string) => id('AWS::Logs::LogGroup', `${fn}Logs`);

  const tableRead = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem',
    'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:Query', 'dynamodb:Scan'];
  const tableWrite = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
  const send = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
  const consume = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
  const seal = ['kms:Decrypt', 'kms:GenerateDataKey'];
  const writeLogs = ['logs:CreateLogStream', 'logs:PutLogEvents'];

  it('grants no wildcard action and no wildcard resource', () => {
    for (const policy of Object.values(resources(template, 'AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of [statement.Action].flat()) assert.doesNotMatch(action, /\*/);
        for (const resource of [statement.Resource].flat()) assert.notEqual(resource, '*');
      }
    }
    for (const role of Object.values(resources(template, 'AWS::IAM::Role'))) {
      assert.equal(role.Properties.ManagedPolicyArns, undefined, 'no managed policies such as AWSLambdaBasicExecutionRole');
    }
  });

  it('webhook: sends to the queue, reads the table and writes only idempotency records', () => {
    const remember = ['dynamodb:DeleteItem', 'dynamodb:PutItem'];
    assert.deepEqual([...grants('Webhook').keys()].sort(), [...tableRead, ...remember, ...send, ...writeLogs].sort());
    assert.deepEqual(on('Webhook', table), [...tableRead, ...remember].sort());
    assert.deepEqual(on('Webhook', queue), send);
    assert.deepEqual(on('Webhook', logs('Webhook')), writeLogs);
  });

  it('api: reads and writes the table, seals and unseals with the key, sends to the queue', () => {
    assert.deepEqual([...grants('Api').keys()].sort(), [...tableRead, ...tableWrite, ...seal, ...send, ...writeLogs].sort());
    assert.deepEqual(on('Api', table), [...tableRead, ...tableWrite].sort());
    assert.deepEqual(on('Api', key), seal);
    assert.deepEqual(on('Api', queue), send);
  });

  it('scheduler: reads the table and sends to the queue', () => {
    assert.deepEqual([...grants('Scheduler').keys()].sort(), [...tableRead, ...send, ...writeLogs].sort());
    assert.deepEqual(on('Scheduler', table), tableRead);
    assert.deepEqual(on('Scheduler', queue), send);
  });

  it('sync: reads and writes the table, seals and unseals with the key, consumes and sends to the queue', () => {
    const consumeAndSend = [...new Set([...consume, ...send])].sort();
    assert.deepEqual([...grants('Sync').keys()].sort(), [...new Set([...tableRead, ...tableWrite, ...seal, ...consumeAndSend, ...writeLogs])].sort());
    assert.deepEqual(on('Sync', table), [...tableRead, ...tableWrite].sort());
    assert.deepEqual(on('Sync', key), seal);
    assert.deepEqual(on('Sync', queue), consumeAndSend);
    assert.deepEqual(on('Sync', logs('Sync')), writeLogs);
  });
});
