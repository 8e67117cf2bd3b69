import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** What a fake AWS answers for each resource: the inputs, plus the ARN and URL AWS would compute. */
function computedState(type: string, logicalName: string, inputs: Record<string, unknown>): Record<string, unknown> {
  // Without a `name` input AWS gets one from Pulumi's auto-naming: the logical name and a random suffix.
  const name = typeof inputs.name === "string" ? inputs.name : `${logicalName}-a1b2c3d`;
  switch (type) {
    case "aws:sqs/queue:Queue":
      return {
        ...inputs,
        name,
        arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
      };
    case "aws:cloudwatch/eventRule:EventRule":
      return {
        ...inputs,
        name,
        arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${inputs.eventBusName === "default" ? "" : `${String(inputs.eventBusName)}/`}${name}`,
      };
    case "aws:cloudwatch/eventBus:EventBus":
      return { ...inputs, arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}` };
    case "aws:iam/policy:Policy":
      return { ...inputs, arn: `arn:aws:iam::${ACCOUNT}:policy/${name}` };
    case "aws:s3/bucket:Bucket": {
      const bucket = typeof inputs.bucket === "string" ? inputs.bucket : `${logicalName}-a1b2c3d`;
      return { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case "aws:dynamodb/table:Table":
      return { ...inputs, name, arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}` };
    default:
      return inputs;
  }
}

/** Installs Pulumi's mocks (before the program is imported) and records every resource and invoke. */
export function installPulumiMocks(config: Record<string, string> = {}) {
  const resources: RecordedResource[] = [];
  const invokes: Array<{ token: string; inputs: Record<string, unknown> }> = [];
  pulumi.runtime.setAllConfig(config);
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return {
          id: `${args.name}-id`,
          state: computedState(args.type, args.name, args.inputs as Record<string, unknown>),
        };
      },
      call(args) {
        const inputs = args.inputs as Record<string, unknown>;
        invokes.push({ token: args.token, inputs });
        if (args.token === "aws:cloudwatch/getEventBus:getEventBus") {
          return { name: inputs.name, arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${String(inputs.name)}` };
        }
        if (args.token === "aws:iam/getPolicyDocument:getPolicyDocument") {
          // Not the project's renderer: the tests read back exactly the statements the program asked for.
          return { json: JSON.stringify(inputs.statements) };
        }
        return inputs;
      },
    },
    "batch-transcription-events",
    "dev",
    false,
  );
  return { resources, invokes };
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}
