import type { IncomingHttpHeaders } from "node:http";
import { listenOnLoopback, type LocalServer } from "./local-server.js";

/** One callback as it arrived: its headers and its body, as text (what a signature is checked over). */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver of webhooks: it keeps what it gets and answers each with the next scripted status (200 after). */
export async function startWebhookReceiver(): Promise<
  LocalServer & { received: ReceivedWebhook[]; answer(...statuses: number[]): void; hookUrl: string }
> {
  const received: ReceivedWebhook[] = [];
  const statuses: number[] = [];
  const local = await listenOnLoopback(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
    response.writeHead(statuses.shift() ?? 200, { "Content-Type": "text/plain" });
    response.end("ok");
  });
  return { ...local, received, answer: (...next) => statuses.push(...next), hookUrl: `${local.url}/hook` };
}
