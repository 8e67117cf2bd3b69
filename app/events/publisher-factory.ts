import { DescribeEventBusCommand, EventBridgeClient, type EventBridgeClientConfig } from "@aws-sdk/client-eventbridge";
import type { EventSettings } from "./event-settings.js";
import type { Logger } from "../logger.js";
import { disabledPublisher, type EventPublisher } from "./event-publisher.js";
import { createEventBridgePublisher } from "./eventbridge-publisher.js";
import { classifyError } from "./publish-error.js";
import { StringifyJson1_1Protocol } from "../aws/json-protocols.js";

const CREDENTIALS_CHECK_MS = 2_000;

/**
 * One EventBridge client per process. The SDK's default credential chain is resolved once at startup
 * under a short bound (it would otherwise wait on instance metadata off AWS); without credentials the
 * service runs with publishing disabled rather than not at all. The endpoint comes from
 * `AWS_ENDPOINT_URL(_EVENTBRIDGE)`, which the SDK reads itself.
 */
export async function createPublisher(
  config: EventSettings,
  region: string,
  logger: Logger,
  checkMs = CREDENTIALS_CHECK_MS,
): Promise<EventPublisher> {
  const client = eventBridgeClient(region);
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
  logger.info({ region, bus: config.busName, source: config.source }, "event publishing enabled");
  // In the background: startup does not wait on the bus, and a failure here fails nothing.
  void checkEventBus(client, config.busName, logger, config.attemptTimeoutMs);
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

/** The EventBridge client the publisher sends with; `overrides` for a bench or a test's endpoint. */
export function eventBridgeClient(region: string, overrides: EventBridgeClientConfig = {}): EventBridgeClient {
  // maxAttempts 1: the publisher is the one retry layer, with its own budget.
  return new EventBridgeClient({ region, maxAttempts: 1, protocol: StringifyJson1_1Protocol, ...overrides });
}

/**
 * One `DescribeEventBus` at startup: the first request's PutEvents then finds its connection open and the
 * signer and response parsing warm, and a bus that is missing or out of reach is told at once (a warning),
 * not at the first request. Never throws.
 */
export async function checkEventBus(
  client: EventBridgeClient,
  busName: string,
  logger: Logger,
  timeoutMs: number,
): Promise<void> {
  const started = performance.now();
  try {
    await client.send(new DescribeEventBusCommand({ Name: busName }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    logger.info({ bus: busName, ms: Math.round(performance.now() - started) }, "event bus reachable");
  } catch (error) {
    // The publisher's own reading of a failure: a network code (ECONNREFUSED) where there is one, else the name.
    const { code } = classifyError(error);
    logger.warn(
      { bus: busName, error_code: code },
      code === "ResourceNotFoundException"
        ? "event bus not found: events will fail to publish"
        : "event bus not reachable at startup",
    );
  }
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
