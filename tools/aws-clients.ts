import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { eventBridgeClient } from "../app/events/publisher-factory.js";

/**
 * SDK clients for the ops commands (provisioning, verification, the consumer). The endpoint comes from
 * `AWS_ENDPOINT_URL`, credentials from the default chain (the SDK reads both itself), unless given.
 */
export function awsClients(
  region: string,
  overrides: { endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } = {},
) {
  return {
    sqs: new SQSClient({ region, ...overrides }),
    // The service's own client: what a tool publishes goes out as the service's events do.
    eventBridge: eventBridgeClient(region, overrides),
    dynamodb: new DynamoDBClient({ region, ...overrides }),
    // Path-style: bucket names need no DNS of their own on an emulator.
    s3: new S3Client({
      region,
      forcePathStyle: overrides.endpoint !== undefined || process.env.AWS_ENDPOINT_URL !== undefined,
      ...overrides,
    }),
  };
}
