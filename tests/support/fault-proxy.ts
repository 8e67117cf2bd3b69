import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { listenOnLoopback, sendJson, type LocalServer } from "./local-server.js";

/** What the proxy does to one PutEvents call; calls beyond the script pass through untouched. */
export type Fault =
  | "throttle" // 400 ThrottlingException, not forwarded
  | "error500" // 500 InternalException, not forwarded
  | "reset" // connection dropped before any answer, not forwarded
  | "partial" // 200 with the first entry failed as ThrottlingException; the other entries forwarded
  | { delayMs: number } // forwarded after a pause
  | "blackhole"; // never answered and never forwarded

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(
  target: string,
  request: IncomingMessage,
  payload: Buffer,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers, "content-length": String(payload.length) };
    const outgoing = httpRequest(
      new URL(request.url ?? "/", target),
      { method: request.method, headers },
      (incoming) => {
        void body(incoming).then((answer) =>
          resolve({
            status: incoming.statusCode ?? 502,
            headers: incoming.headers as Record<string, string>,
            body: answer,
          }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

function reply(response: ServerResponse, answer: { status: number; headers: Record<string, string>; body: Buffer }) {
  const {
    "content-length": _length,
    "transfer-encoding": _encoding,
    connection: _connection,
    ...headers
  } = answer.headers;
  response.writeHead(answer.status, { ...headers, "content-length": String(answer.body.length) });
  response.end(answer.body);
}

const awsJsonError = (type: string, message: string) => ({ __type: type, message });

/**
 * A small HTTP proxy between the AWS SDK and moto_server that injects faults into PutEvents calls, for
 * proving the publisher's retries against a real emulator. Counts what reached moto.
 */
export async function startFaultProxy(
  target: string,
): Promise<
  LocalServer & { script(...faults: Fault[]): void; putEventsForwarded(): number; failEverything(on: boolean): void }
> {
  const queue: Fault[] = [];
  let forwarded = 0;
  let always: Fault | undefined;

  const local = await listenOnLoopback(async (request, response) => {
    const payload = await body(request);
    const isPutEvents = request.headers["x-amz-target"] === "AWSEvents.PutEvents";
    const fault = isPutEvents ? (always ?? queue.shift()) : undefined;
    if (fault === undefined || typeof fault === "object") {
      if (typeof fault === "object") await sleep(fault.delayMs);
      if (isPutEvents) forwarded += 1;
      reply(response, await forward(target, request, payload));
      return;
    }
    const json = { "content-type": "application/x-amz-json-1.1" };
    switch (fault) {
      case "throttle":
        return sendJson(response, 400, awsJsonError("ThrottlingException", "Rate exceeded"), json);
      case "error500":
        return sendJson(response, 500, awsJsonError("InternalException", "Internal failure"), json);
      case "reset":
        request.socket.destroy();
        return;
      case "blackhole":
        return;
      case "partial": {
        const input = JSON.parse(payload.toString("utf8")) as { Entries: unknown[] };
        const rest = input.Entries.slice(1);
        let restResults: unknown[] = [];
        if (rest.length > 0) {
          forwarded += 1;
          const answer = await forward(target, request, Buffer.from(JSON.stringify({ ...input, Entries: rest })));
          restResults = (JSON.parse(answer.body.toString("utf8")) as { Entries: unknown[] }).Entries;
        }
        return sendJson(
          response,
          200,
          {
            FailedEntryCount: 1,
            Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" }, ...restResults],
          },
          json,
        );
      }
    }
  });
  return {
    ...local,
    script: (...faults) => queue.push(...faults),
    putEventsForwarded: () => forwarded,
    failEverything: (on) => {
      always = on ? "error500" : undefined;
    },
  };
}
