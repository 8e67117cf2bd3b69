import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ResourceNotFoundException as DynamoResourceNotFound,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";

/** A queue with these settings: created, or brought to them if it exists. */
export async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
  log: (line: string) => void,
) {
  let url: string;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    log(`queue ${name}: exists, settings applied`);
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    log(`queue ${name}: created`);
  }
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] })))
    .Attributes!.QueueArn!;
  return { url, arn };
}

/** A table as described: created if missing (then waited for), its TTL switched on either way. */
export async function ensureTable(
  dynamodb: DynamoDBClient,
  table: CreateTableCommandInput & { TableName: string },
  ttlAttribute: string,
  log: (line: string) => void,
) {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: table.TableName }));
    log(`table ${table.TableName}: exists`);
  } catch (error) {
    if (!(error instanceof DynamoResourceNotFound)) throw error;
    await dynamodb.send(new CreateTableCommand(table));
    await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: table.TableName });
    log(`table ${table.TableName}: created`);
  }
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: table.TableName,
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
    }),
  );
}
