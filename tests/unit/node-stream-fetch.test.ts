import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { once } from "node:events";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AnswerTooLarge, nodeStreamFetch } from "../../app/transcription/node-stream-fetch.js";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

describe("nodeStreamFetch: a stream body piped into http.request", () => {
  let server: Server;
  let url: string;
  let handle: Handler = () => undefined;

  beforeAll(async () => {
    server = createServer((request, response) => handle(request, response));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/v1/listen?model=nova-3`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const readAll = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  it("sends every byte as it comes, chunked, with the method, query and headers, and reads the answer", async () => {
    const seen: Array<{ method?: string; url?: string; headers: IncomingMessage["headers"]; body: Buffer }> = [];
    handle = (request, response) => {
      void readAll(request).then((body) => {
        seen.push({ method: request.method, url: request.url, headers: request.headers, body });
        response.writeHead(200, { "Content-Type": "application/json", "X-Request-Id": "r-1" });
        response.end(JSON.stringify({ bytes: body.length }));
      });
    };
    const body = new PassThrough();
    const answer = nodeStreamFetch()(url, {
      method: "POST",
      headers: { Authorization: "Token k", "Content-Type": "audio/wav" },
      body: body as never,
    });
    const pieces = Array.from({ length: 20 }, (_, index) => Buffer.alloc(64 * 1024, index));
    for (const piece of pieces) body.write(piece);
    body.end();
    const response = await answer;

    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("r-1");
    expect(await response.json()).toEqual({ bytes: 20 * 64 * 1024 });
    expect(seen[0]).toMatchObject({ method: "POST", url: "/v1/listen?model=nova-3" });
    expect(seen[0]!.headers).toMatchObject({
      authorization: "Token k",
      "content-type": "audio/wav",
      "transfer-encoding": "chunked",
    });
    expect(seen[0]!.body.equals(Buffer.concat(pieces))).toBe(true);
  });

  it("answers a refusal sent before the body is read, with its status, headers and body", async () => {
    handle = (_request, response) => {
      response.writeHead(429, { "Retry-After": "2", "Content-Type": "application/json" });
      response.end('{"err_code":"TOO_MANY"}');
    };
    const body = Readable.from([Buffer.alloc(1024)]);
    const response = await nodeStreamFetch()(url, { method: "POST", body: body as never });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(await response.text()).toBe('{"err_code":"TOO_MANY"}');
  });

  it("has no body for 204", async () => {
    handle = (request, response) => void readAll(request).then(() => response.writeHead(204).end());
    const response = await nodeStreamFetch()(url, { method: "POST", body: Readable.from([Buffer.from("x")]) as never });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it("rejects an answer cut short in transit, as fetch does", async () => {
    handle = (request, response) => {
      void readAll(request).then(() => {
        response.writeHead(200, { "Content-Length": "1000" });
        response.write('{"partial":');
        setImmediate(() => response.socket?.destroy());
      });
    };
    await expect(
      nodeStreamFetch()(url, { method: "POST", body: Readable.from([Buffer.from("x")]) as never }),
    ).rejects.toThrow();
  });

  it("rejects with an AbortError when its signal aborts, and stops sending", async () => {
    handle = () => undefined;
    const body = new PassThrough();
    const controller = new AbortController();
    const answer = nodeStreamFetch()(url, { method: "POST", body: body as never, signal: controller.signal });
    body.write(Buffer.alloc(1024));
    controller.abort();
    await expect(answer).rejects.toMatchObject({ name: "AbortError" });
  });

  it("fails the request when the body fails", async () => {
    handle = (request) => void readAll(request).catch(() => undefined);
    const body = new PassThrough();
    const answer = nodeStreamFetch()(url, { method: "POST", body: body as never });
    body.write(Buffer.alloc(1024));
    body.destroy(new Error("upload cut off"));
    await expect(answer).rejects.toThrow();
  });

  it("hands any other body to the fallback fetch untouched", async () => {
    const fallback = vi.fn(() => Promise.resolve(new Response("from fallback")));
    const init = { method: "POST", body: new Blob(["audio"]) };
    const response = await nodeStreamFetch({ fallback })(url, init);
    expect(await response.text()).toBe("from fallback");
    expect(fallback).toHaveBeenCalledWith(url, init);
  });

  it("sends a string body whole, with its length", async () => {
    const seen: Array<{ headers: IncomingMessage["headers"]; body: string }> = [];
    handle = (request, response) => {
      void readAll(request).then((body) => {
        seen.push({ headers: request.headers, body: body.toString() });
        response.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
      });
    };
    const body = JSON.stringify({ url: "https://example.com/ä.wav" });
    const response = await nodeStreamFetch()(url, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/json" },
    });
    expect(await response.json()).toEqual({ ok: true });
    expect(seen[0]!.body).toBe(body);
    expect(seen[0]!.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(seen[0]!.headers["transfer-encoding"]).toBeUndefined();
  });
});

describe("nodeStreamFetch: a success answer's bytes kept from its caller", () => {
  let server: Server;
  let url: string;
  /**
   * `stall` writes that many bytes of the body and then waits, never ending the answer: a client
   * that read on would wait for the rest, so only one that stops the connection closes it. Without
   * it, loopback's kernel buffers can take a whole answer of megabytes before a slow client reads.
   */
  let reply: { status: number; body: Buffer; declared?: boolean; stall?: number } = {
    status: 200,
    body: Buffer.alloc(0),
  };
  /** Whether the server's last answer was all handed over before its connection closed. */
  let delivered: boolean | undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.once("end", () => {
        delivered = undefined;
        response.writeHead(reply.status, {
          "Content-Type": "application/json",
          ...(reply.declared && { "Content-Length": String(reply.body.length) }),
        });
        response.once("close", () => (delivered = response.writableFinished));
        // Written in pieces, so the answer arrives as several chunks to be joined.
        const written = reply.stall ?? reply.body.length;
        for (let at = 0; at < written; at += 16 * 1024) response.write(reply.body.subarray(at, at + 16 * 1024));
        if (reply.stall === undefined) response.end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/v1/listen`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const keeping = () => {
    const kept: Uint8Array[][] = [];
    return { kept, fetch: nodeStreamFetch({ keepSuccessBody: (chunks) => kept.push(chunks) }) };
  };

  it.each([
    ["a stream", () => Readable.from([Buffer.from("audio")])],
    ["a string", () => '{"url":"https://example.com/a.wav"}'],
  ])(
    "keeps a 2xx answer of %s whole, in an array buffer of its own, and answers with an empty object",
    async (_, body) => {
      reply = {
        status: 200,
        body: Buffer.from(JSON.stringify({ words: Array.from({ length: 20_000 }, (_, i) => `w${i}`) })),
      };
      const { kept, fetch } = keeping();
      const response = await fetch(url, { method: "POST", body: body() as never });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("{}");
      expect(kept).toHaveLength(1);
      expect(Buffer.concat(kept[0]!).equals(reply.body)).toBe(true);
      // Movable to a worker: each chunk alone in its buffer, never a view into Node's shared pool.
      for (const chunk of kept[0]!) {
        expect(chunk.byteOffset).toBe(0);
        expect(chunk.buffer.byteLength).toBe(chunk.byteLength);
      }
    },
  );

  it("keeps an empty success answer as no bytes", async () => {
    reply = { status: 200, body: Buffer.alloc(0) };
    const { kept, fetch } = keeping();
    await fetch(url, { method: "POST", body: "{}" });
    expect(kept.map((chunks) => Buffer.concat(chunks).byteLength)).toEqual([0]);
  });

  it.each([400, 401, 429, 500, 503])(
    "gives a %i answer to its caller with its body, keeping nothing",
    async (status) => {
      reply = { status, body: Buffer.from('{"err_code":"NOPE"}') };
      const { kept, fetch } = keeping();
      const response = await fetch(url, { method: "POST", body: Readable.from([Buffer.from("x")]) as never });
      expect(response.status).toBe(status);
      expect(await response.text()).toBe('{"err_code":"NOPE"}');
      expect(kept).toEqual([]);
    },
  );

  describe("an answer over the limit", () => {
    const limited = (maxSuccessBytes: number) => {
      const kept: Uint8Array[][] = [];
      return { kept, fetch: nodeStreamFetch({ keepSuccessBody: (chunks) => kept.push(chunks), maxSuccessBytes }) };
    };
    const big = () => Buffer.from(JSON.stringify({ words: Array.from({ length: 200_000 }, (_, i) => `w${i}`) }));

    it.each([
      ["arriving chunked", false],
      ["declared by its Content-Length", true],
    ])("is not read on when %s, and rejects naming the limit", async (_, declared) => {
      reply = { status: 200, body: big(), declared };
      const { kept, fetch } = limited(64 * 1024);
      const error = await fetch(url, { method: "POST", body: Readable.from([Buffer.from("x")]) as never }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AnswerTooLarge);
      expect(error).toMatchObject({ maxBytes: 64 * 1024 });
      expect(kept).toEqual([]);
    });

    it("is kept whole at exactly the limit, and refused one byte past it", async () => {
      reply = { status: 200, body: big() };
      const exact = limited(reply.body.length);
      await exact.fetch(url, { method: "POST", body: "{}" });
      expect(Buffer.concat(exact.kept[0]!).equals(reply.body)).toBe(true);
      const under = limited(reply.body.length - 1);
      await expect(under.fetch(url, { method: "POST", body: "{}" })).rejects.toBeInstanceOf(AnswerTooLarge);
    });

    it("stops the connection rather than reading the rest", async () => {
      reply = { status: 200, body: big(), stall: 256 * 1024 };
      const { fetch } = limited(64 * 1024);
      await expect(fetch(url, { method: "POST", body: "{}" })).rejects.toBeInstanceOf(AnswerTooLarge);
      await vi.waitFor(() => expect(delivered).toBe(false), { timeout: 10_000 });
    });

    it.each([400, 500])("does not limit a %i answer, which its caller reads whole", async (status) => {
      reply = { status, body: big() };
      const { fetch } = limited(1024);
      const response = await fetch(url, { method: "POST", body: "{}" });
      expect(response.status).toBe(status);
      expect((await response.arrayBuffer()).byteLength).toBe(reply.body.length);
    });

    it.each([
      ["chunked", undefined],
      ["with its Content-Length", "5000"],
    ])("from the fallback fetch (%s) is refused, and its body cancelled", async (_, length) => {
      const cancelled = vi.fn();
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.enqueue(new Uint8Array(1000)),
        cancel: cancelled,
      });
      const headers = length === undefined ? undefined : { "Content-Length": length };
      const fallback = () => Promise.resolve(new Response(body, { status: 200, headers }));
      const fetch = nodeStreamFetch({ fallback, keepSuccessBody: () => undefined, maxSuccessBytes: 4000 });
      await expect(fetch(url, { method: "POST", body: new Blob(["audio"]) })).rejects.toBeInstanceOf(AnswerTooLarge);
      expect(cancelled).toHaveBeenCalled();
    });
  });

  describe("room asked for a kept answer before it is held", () => {
    const big = () => Buffer.from(JSON.stringify({ words: Array.from({ length: 200_000 }, (_, i) => `w${i}`) }));
    const roomed = (room: (bytes: number) => Promise<void> | undefined) => {
      const kept: Uint8Array[][] = [];
      const fetch = nodeStreamFetch({
        keepSuccessBody: (chunks) => kept.push(chunks),
        maxSuccessBytes: 64 * 1024 * 1024,
        roomForSuccessBody: room,
      });
      return { kept, fetch };
    };

    it("asks for a declared length once, before any byte is held", async () => {
      reply = { status: 200, body: big(), declared: true };
      const asked: Array<{ bytes: number; held: number }> = [];
      const { kept, fetch } = roomed((bytes) => {
        asked.push({ bytes, held: kept.length });
        return undefined;
      });
      await fetch(url, { method: "POST", body: "{}" });
      expect(asked).toEqual([{ bytes: reply.body.length, held: 0 }]);
      expect(Buffer.concat(kept[0]!).equals(reply.body)).toBe(true);
    });

    it("asks ahead of an answer of unknown length as it grows, then for its length alone", async () => {
      reply = { status: 200, body: big() };
      const asked: number[] = [];
      const { kept, fetch } = roomed((bytes) => Promise.resolve(void asked.push(bytes)));
      await fetch(url, { method: "POST", body: "{}" });
      expect(Buffer.concat(kept[0]!).equals(reply.body)).toBe(true);
      expect(asked.length).toBeGreaterThan(2);
      expect(asked.slice(0, -1)).toEqual([...asked.slice(0, -1)].sort((a, b) => a - b));
      expect(asked.at(-2)).toBeGreaterThan(reply.body.length);
      expect(asked.at(-1)).toBe(reply.body.length);
    });

    it.each([
      ["declared", true],
      ["of unknown length", false],
    ])(
      "refused for an answer %s, rejects with the refusal, keeps nothing and stops the connection",
      async (_, declared) => {
        reply = { status: 200, body: big(), declared, stall: 256 * 1024 };
        const busy = new Error("no room");
        const { kept, fetch } = roomed(() => Promise.reject(busy));
        await expect(fetch(url, { method: "POST", body: "{}" })).rejects.toBe(busy);
        expect(kept).toEqual([]);
        await vi.waitFor(() => expect(delivered).toBe(false), { timeout: 10_000 });
      },
    );

    it("asks nothing for an answer it does not keep", async () => {
      reply = { status: 500, body: big() };
      const asked: number[] = [];
      const { fetch } = roomed((bytes) => Promise.resolve(void asked.push(bytes)));
      expect((await fetch(url, { method: "POST", body: "{}" })).status).toBe(500);
      expect(asked).toEqual([]);
    });

    it.each([
      ["chunked", undefined],
      ["with its Content-Length", "5000"],
    ])("through the fallback fetch (%s): asked ahead, and refused, the body is cancelled", async (_, length) => {
      const cancelled = vi.fn();
      let pulls = 0;
      const answer = () =>
        new ReadableStream<Uint8Array>({
          pull: (controller) => (++pulls > 5 ? controller.close() : controller.enqueue(new Uint8Array(1000))),
          cancel: cancelled,
        });
      const headers = length === undefined ? undefined : { "Content-Length": length };
      const asked: number[] = [];
      const kept: Uint8Array[][] = [];
      const fetch = nodeStreamFetch({
        fallback: () => Promise.resolve(new Response(answer(), { status: 200, headers })),
        keepSuccessBody: (chunks) => kept.push(chunks),
        roomForSuccessBody: (bytes) => Promise.resolve(void asked.push(bytes)),
      });
      await fetch(url, { method: "POST", body: new Blob(["audio"]) });
      expect(Buffer.concat(kept[0]!).byteLength).toBe(5000);
      expect(asked[0]).toBe(length === undefined ? 2000 : 5000);
      expect(asked.at(-1)).toBe(5000);
      const refusing = nodeStreamFetch({
        fallback: () => Promise.resolve(new Response(answer(), { status: 200, headers })),
        keepSuccessBody: () => undefined,
        roomForSuccessBody: () => Promise.reject(new Error("no room")),
      });
      pulls = 0;
      await expect(refusing(url, { method: "POST", body: new Blob(["audio"]) })).rejects.toThrow("no room");
      expect(cancelled).toHaveBeenCalled();
    });
  });

  it("keeps a success answer that came through the fallback fetch", async () => {
    const kept: Uint8Array[][] = [];
    const fallback = () => Promise.resolve(new Response('{"from":"fallback"}', { status: 201 }));
    const response = await nodeStreamFetch({ fallback, keepSuccessBody: (chunks) => kept.push(chunks) })(url, {
      method: "POST",
      body: new Blob(["audio"]),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({});
    expect(Buffer.concat(kept[0]!).toString()).toBe('{"from":"fallback"}');
  });
});
