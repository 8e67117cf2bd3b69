import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { createEventBridgePublisher, disabledPublisher, type EventPublisher } from "./event-publisher.js";

const CREDENTIALS_CHECK_MS = 2_000;

/**
 * One EventBridge client per process. The SDK's default credential chain is resolved once at startup
 * under a short bound (it would otherwise wait on instance metadata off AWS); without credentials the
 * service runs with publishing disabled rather than not at all. The endpoint comes from
 * `AWS_ENDPOINT_URL(_EVENTBRIDGE)`, which the SDK reads itself.
 */
export async function createPublisher(
  config: Config["events"],
  logger: Logger,
  checkMs = CREDENTIALS_CHECK_MS,
): Promise<EventPublisher> {
  // maxAttempts 1: the publisher is the one retry layer, with its own budget.
  const client = new EventBridgeClient({ region: config.region, maxAttempts: 1 });
  try {
    await resolveCredentials(client, checkMs);
  } catch (error) {
    logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      "no AWS credentials found: event publishing is disabled, requests are still served",
    );
    client.destroy();
    return disabledPublisher("no_credentials");
  }
  logger.info({ region: config.region, bus: config.busName, source: config.source }, "event publishing enabled");
  return createEventBridgePublisher({
    client,
    busName: config.busName,
    source: config.source,
    budgetMs: config.publishTimeoutMs,
    attemptTimeoutMs: config.attemptTimeoutMs,
    maxEntryBytes: config.maxEntryBytes,
    breaker: { failures: config.breakerFailures, halfOpenMs: config.breakerHalfOpenMs },
  });
}

/** Resolves the client's credentials through the SDK's default chain, failing after `ms`. */
export function resolveCredentials(client: EventBridgeClient, ms = CREDENTIALS_CHECK_MS): Promise<unknown> {
  return resolveWithin(client.config.credentials(), ms);
}

function resolveWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`credentials not resolved within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
