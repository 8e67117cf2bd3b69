import * as pulumi from "@pulumi/pulumi";
import { policyJson, type Statement } from "../../infra/settings.js";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** What a fake AWS answers for each resource: the inputs, plus the ARN and URL AWS would compute. */
function computedState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const name = typeof inputs.name === "string" ? inputs.name : "";
  switch (type) {
    case "aws:sqs/queue:Queue":
      return { ...inputs, arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`, url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}` };
    case "aws:cloudwatch/eventRule:EventRule":
      return { ...inputs, arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${inputs.eventBusName === "default" ? "" : `${String(inputs.eventBusName)}/`}${name}` };
    case "aws:cloudwatch/eventBus:EventBus":
      return { ...inputs, arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}` };
    case "aws:iam/policy:Policy":
      return { ...inputs, arn: `arn:aws:iam::${ACCOUNT}:policy/${name || "publisher"}` };
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
        return { id: `${args.name}-id`, state: computedState(args.type, args.inputs as Record<string, unknown>) };
      },
      call(args) {
        const inputs = args.inputs as Record<string, unknown>;
        invokes.push({ token: args.token, inputs });
        if (args.token === "aws:cloudwatch/getEventBus:getEventBus") {
          return { name: inputs.name, arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${String(inputs.name)}` };
        }
        if (args.token === "aws:iam/getPolicyDocument:getPolicyDocument") {
          return { json: policyJson(inputs.statements as Array<Statement<string>>) };
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
