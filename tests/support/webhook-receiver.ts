import type { IncomingHttpHeaders } from "node:http";
import { listenOnLoopback, type LocalServer } from "./local-server.js";
import { gate } from "./gate.js";

/** One callback as it arrived: its headers and its body, as text (what a signature is checked over). */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local receiver of webhooks: it keeps what it gets and answers each with the next scripted status (200
 * after); `holdAnswers` keeps the answers back (each request already received) until the returned function is called.
 */
export async function startWebhookReceiver(): Promise<
  LocalServer & {
    received: ReceivedWebhook[];
    answer(...statuses: number[]): void;
    holdAnswers(): () => void;
    hookUrl: string;
  }
> {
  const received: ReceivedWebhook[] = [];
  const statuses: number[] = [];
  let held: Promise<void> = Promise.resolve();
  const local = await listenOnLoopback(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
    await held;
    response.writeHead(statuses.shift() ?? 200, { "Content-Type": "text/plain" });
    response.end("ok");
  });
  return {
    ...local,
    received,
    answer: (...next) => statuses.push(...next),
    holdAnswers() {
      const answers = gate();
      held = answers.opened;
      return answers.open;
    },
    hookUrl: `${local.url}/hook`,
  };
}
