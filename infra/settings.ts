import { DEFAULT_EVENT_SOURCE, DETAIL_TYPE } from "../app/events/batch-processing-completed.js";

/**
 * The one description of the event pipeline's resources, used by the Pulumi program and by local
 * provisioning alike. The rule's pattern comes from the event contract, so it cannot drift from what the
 * service publishes.
 */
export const PIPELINE = {
  /** The rule's id for its one target: unique per rule, so it needs no stack in it. */
  targetId: "meeting-transcripts-queue",
  visibilityTimeoutSeconds: 30,
  messageRetentionSeconds: 14 * 24 * 60 * 60,
  receiveWaitTimeSeconds: 0,
  maxReceiveCount: 3,
  /** EventBridge's own defaults, stated so they are visible and reviewed: 24 hours, 185 attempts. */
  retryPolicy: { maximumEventAgeInSeconds: 24 * 60 * 60, maximumRetryAttempts: 185 },
  defaultOldestMessageAgeAlarmSeconds: 15 * 60,
} as const;

export const DEFAULT_BUS_NAME = "default";

/** The physical names of the pipeline's named resources. */
export interface PhysicalNames {
  queue: string;
  dlq: string;
  /** Events EventBridge could not deliver to the queue, after its retry policy. */
  deliveryDlq: string;
  rule: string;
}

/** The design's names: one pipeline per account and region. */
export const DESIGN_NAMES: PhysicalNames = {
  queue: "meeting-transcripts-queue",
  dlq: "meeting-transcripts-dlq",
  deliveryDlq: "meeting-transcripts-delivery-dlq",
  rule: "capture-transcripts-rule",
};

/**
 * How the pipeline's resources are named: the design's names, or names under a prefix (a stack, a local
 * copy) so several pipelines can share an account. The Pulumi program can also leave naming to Pulumi.
 */
export function physicalNames(naming: "design" | { prefix: string }): PhysicalNames {
  if (naming === "design") return DESIGN_NAMES;
  const { prefix } = naming;
  return {
    queue: `${prefix}-queue`,
    dlq: `${prefix}-dlq`,
    deliveryDlq: `${prefix}-delivery-dlq`,
    rule: `${prefix}-rule`,
  };
}

export { DEFAULT_EVENT_SOURCE, DETAIL_TYPE };

export function redrivePolicy(deadLetterTargetArn: string): string {
  return JSON.stringify({ deadLetterTargetArn, maxReceiveCount: PIPELINE.maxReceiveCount });
}

/** A policy statement in the shape `aws.iam.getPolicyDocument` takes; `T` is a string or a Pulumi input. */
export interface Statement<T> {
  sid: string;
  effect: "Allow";
  principals?: Array<{ type: "Service"; identifiers: string[] }>;
  actions: string[];
  resources: T[];
  conditions?: Array<{ test: string; variable: string; values: T[] }>;
}

/** Only EventBridge, and only on behalf of this rule, may send to the queue. */
export function eventsMaySendTo<T>(queueArn: T, ruleArn: T): Statement<T> {
  return {
    sid: "AllowCaptureRuleToSend",
    effect: "Allow",
    principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
    actions: ["sqs:SendMessage"],
    resources: [queueArn],
    conditions: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [ruleArn] }],
  };
}

/** The service may put events on this bus, and only with the contract's source. */
export function publisherMayPut<T>(busArn: T, source: T): Statement<T> {
  return {
    sid: "PublishBatchProcessingEvents",
    effect: "Allow",
    actions: ["events:PutEvents"],
    resources: [busArn],
    conditions: [{ test: "StringEquals", variable: "events:source", values: [source] }],
  };
}

/** The service may look its bus up: a startup check that it exists, which also warms the first publish. */
export function publisherMayDescribe<T>(busArn: T): Statement<T> {
  return { sid: "CheckTheBusAtStartup", effect: "Allow", actions: ["events:DescribeEventBus"], resources: [busArn] };
}

/** The IAM JSON of statements, as `aws.iam.getPolicyDocument` renders them, for clients without Pulumi. */
export function policyJson(statements: Array<Statement<string>>): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((statement) => ({
      Sid: statement.sid,
      Effect: statement.effect,
      ...(statement.principals && {
        Principal: Object.fromEntries(
          statement.principals.map((p) => [p.type, p.identifiers.length === 1 ? p.identifiers[0] : p.identifiers]),
        ),
      }),
      Action: statement.actions.length === 1 ? statement.actions[0] : statement.actions,
      Resource: statement.resources.length === 1 ? statement.resources[0] : statement.resources,
      ...(statement.conditions && {
        Condition: Object.fromEntries(
          statement.conditions.map((c) => [c.test, { [c.variable]: c.values.length === 1 ? c.values[0] : c.values }]),
        ),
      }),
    })),
  });
}
