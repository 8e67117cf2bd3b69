import { setTimeout as sleep } from "node:timers/promises";
import { fakeModelClean, FAKE_OPENAI_KEY } from "../tests/support/fake-openai.js";
import { listenOnLoopback, readJson, sendJson } from "../tests/support/local-server.js";

/**
 * Chat completions that take as long as a model generating `tokensPerSecond` would (about four characters
 * a token), each request on its own, as a hosted model serves concurrent requests.
 */
export async function startPacedChatServer({ tokensPerSecond }: { tokensPerSecond: number }) {
  const local = await listenOnLoopback(async (request, response) => {
    if (request.headers.authorization !== `Bearer ${FAKE_OPENAI_KEY}`) {
      request.resume();
      sendJson(response, 401, { error: { message: "Incorrect API key provided." } });
      return;
    }
    const body = (await readJson(request)) as { model: string; messages: Array<{ role: string; content: string }> };
    const content = fakeModelClean(body.messages.find((message) => message.role === "user")?.content ?? "");
    await sleep((content.length / 4 / tokensPerSecond) * 1000);
    sendJson(response, 200, {
      id: "chatcmpl-bench",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        { index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 0, completion_tokens: Math.ceil(content.length / 4), total_tokens: 0 },
    });
  });
  return { ...local, baseUrl: `${local.url}/v1` };
}
