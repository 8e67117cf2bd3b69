import http from "node:http";
import https from "node:https";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";
import { Webhook } from "standardwebhooks";
import { isPublicAddress } from "./callback-url.js";

/** How long one try may take, connecting and answering. */
export const WEBHOOK_TRY_TIMEOUT_MS = 10_000;
/** What is read of a receiver's answer: its status matters, its body does not. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One try's outcome: the receiver's status, or why there was none (refused address, timeout, network). */
export type TryOutcome = { status: number } | { status: null; reason: string };

export interface SignedWebhook {
  url: URL;
  id: string;
  timestamp: Date;
  body: string;
  secret: string;
}

export interface WebhookSenderOptions {
  /** Lets `http` and private or loopback addresses through (development, tests). */
  allowPrivate: boolean;
  timeoutMs?: number;
  /** The resolver, for tests; the filtering agent checks every address it gives, whatever it is. */
  lookup?: LookupFunction;
}

/**
 * Sends one signed try (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). Every
 * address a host name resolves to is checked when the socket connects (`request-filtering-agent`), so a
 * name that resolves, or is rebound, to a private address is refused there. Redirects are not followed.
 */
export function createWebhookSender(options: WebhookSenderOptions) {
  const filter = { allowPrivateIPAddress: options.allowPrivate, allowMetaIPAddress: false, keepAlive: false };
  const agents = { http: new RequestFilteringHttpAgent(filter), https: new RequestFilteringHttpsAgent(filter) };
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TRY_TIMEOUT_MS;
  const lookup = options.allowPrivate ? options.lookup : publicOnly(options.lookup ?? dnsLookup);

  return function send(webhook: SignedWebhook): Promise<TryOutcome> {
    const signature = new Webhook(webhook.secret).sign(webhook.id, webhook.timestamp, webhook.body);
    const secure = webhook.url.protocol === "https:";
    if (!secure && !options.allowPrivate) return Promise.resolve({ status: null, reason: "not https" });
    return new Promise((resolve) => {
      const request = (secure ? https : http).request(webhook.url, {
        method: "POST",
        agent: secure ? agents.https : agents.http,
        ...(lookup && { lookup }),
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(webhook.body),
          "User-Agent": "batch-transcription-webhooks/1",
          "webhook-id": webhook.id,
          "webhook-timestamp": String(Math.floor(webhook.timestamp.getTime() / 1000)),
          "webhook-signature": signature,
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
      request.on("response", (response) => {
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        response.on("error", () => undefined);
        response.on("close", () => resolve({ status: response.statusCode ?? 0 }));
      });
      request.on("error", (error: Error & { code?: string }) =>
        resolve({ status: null, reason: error.name === "AbortError" ? "timeout" : (error.code ?? error.message) }),
      );
      request.end(webhook.body);
    });
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;

/**
 * A resolver that fails a name with any address off the public internet by the callback check's own rule,
 * before the filtering agent's (which takes the rest of IPv6's `::/8`, `::127.0.0.1` among it, as public).
 */
function publicOnly(lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) =>
    lookup(
      hostname,
      options,
      (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
        const addresses = typeof address === "string" ? [address] : (address ?? []).map((entry) => entry.address);
        const refused = error === null ? addresses.find((candidate) => !isPublicAddress(candidate)) : undefined;
        if (refused !== undefined)
          return callback(
            new Error(`DNS lookup ${refused} (host: ${hostname}) is not allowed: not a public address.`),
            "",
            0,
          );
        (callback as (...args: unknown[]) => void)(error, address, family);
      },
    );
}
