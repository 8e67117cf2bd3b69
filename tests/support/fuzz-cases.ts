import { readFileSync } from "node:fs";
import fc from "fast-check";
import { TRANSCRIPTION_OPTION_NAMES } from "../../app/domain/transcription-options.js";

/**
 * Generated requests for the front door: multipart bodies with any boundary, part count, names and
 * contents, then mangled (cut short, CRLF turned to LF, closing boundary dropped, junk around) and framed
 * right or wrong (exact, short or long Content-Length, chunked, broken chunks, none), with identity headers
 * of any bytes, duplicated or not, and now and then a request line or Host and Expect headers a careless or
 * hostile client sends.
 */
export interface FuzzCase {
  head: Buffer;
  body: Buffer;
  halfClose: boolean;
}

const VTT = readFileSync(new URL("../fixtures/captions/meeting.vtt", import.meta.url));
/** Callback URLs a client might send: a fine one, and ones the service must refuse without calling them. */
const CALLBACK_URLS = [
  "https://hooks.example.com/transcripts",
  "http://127.0.0.1:9/hook",
  "https://user:pw@hooks.example.com/",
  "https://[::ffff:127.0.0.1]/",
  "https://0x7f000001/",
  "https://localhost/",
  "https://hooks.example.com:99999/",
  "javascript:alert(1)",
  "https://%00/",
  `https://hooks.example.com/${"a".repeat(3000)}`,
];
const BOUNDARY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+_,-./:=?";

const boundaryArb = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: fc.constantFrom(...BOUNDARY_CHARS), minLength: 1, maxLength: 70 }) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "a b", '"quoted"', "-".repeat(200), "é") },
);

const contentArb = fc.oneof(
  fc.constant(VTT),
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  fc.lorem({ maxCount: 40 }).map((text) => Buffer.from(text)),
  fc.constantFrom(
    Buffer.alloc(0),
    Buffer.from("WEBVTT\n\n"),
    // Timings that are not times, or out of order, or of no length: the answer and its subtitles must still hold.
    Buffer.from(
      `WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nBack.\n\n00:00:01.000 --> 00:00:01.000\nNone.\n\n` +
        `99:99:99.999 --> 00:00.000\nBad.\n\n${"9".repeat(400)}:00:00.000 --> ${"9".repeat(400)}:00:01.000\nEndless.\n`,
    ),
    Buffer.from("\r\n--"),
    Buffer.from([0xff, 0xfe, 0x41, 0x00]),
  ),
);

const partArb = fc.record({
  name: fc.oneof(
    { weight: 4, arbitrary: fc.constant("file") },
    fc.constantFrom("other", "", 'fi"le'),
    // Request options sent as form fields: ignored, and warned of.
    fc.constantFrom(...TRANSCRIPTION_OPTION_NAMES, "callback_url", "max_lines"),
    fc.string({ maxLength: 20 }),
  ),
  filename: fc.option(fc.oneof(fc.constant("meeting.vtt"), fc.string({ maxLength: 30 })), { nil: undefined }),
  contentType: fc.option(fc.constantFrom("text/vtt", "audio/wav", "application/octet-stream", "x/\u0001"), {
    nil: undefined,
  }),
  content: contentArb,
});

type GeneratedPart = { name: string; filename: string | undefined; contentType: string | undefined; content: Buffer };

function multipart(boundary: string, parts: GeneratedPart[], close: boolean): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const filename = part.filename === undefined ? "" : `; filename="${part.filename}"`;
    const type = part.contentType === undefined ? "" : `Content-Type: ${part.contentType}\r\n`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n${type}\r\n`),
      part.content,
      Buffer.from("\r\n"),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const mangleArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant((body: Buffer) => body) },
  fc
    .double({ min: 0, max: 1, noNaN: true })
    .map((at) => (body: Buffer) => body.subarray(0, Math.floor(body.length * at))),
  fc.constant((body: Buffer) => Buffer.from(body.toString("latin1").replaceAll("\r\n", "\n"), "latin1")),
  fc
    .uint8Array({ maxLength: 512 })
    .map((junk) => (body: Buffer) => Buffer.concat([Buffer.from(junk), body, Buffer.from(junk)])),
  fc.tuple(fc.nat(), fc.nat({ max: 256 })).map(([at, length]) => (body: Buffer) => {
    const start = body.length === 0 ? 0 : at % body.length;
    return Buffer.concat([body.subarray(0, start), body.subarray(start, start + length), body.subarray(start)]);
  }),
);

type Framing = "exact" | "short" | "long" | "chunked" | "bad-chunks" | "none";
const framingArb = fc.constantFrom<Framing>(
  "exact",
  "exact",
  "exact",
  "short",
  "long",
  "chunked",
  "chunked",
  "bad-chunks",
  "none",
);

/** Header values as the bytes a client could put on the wire (no CR or LF: those end the header). */
const headerValueArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc
    .constantFrom("José Ñandú 日本", "11111111-1111-4111-8111-111111111111", "u".repeat(300))
    .map((text) => Buffer.from(text).toString("latin1")),
  fc
    .uint8Array({ maxLength: 40 })
    .map((bytes) => Buffer.from(bytes.filter((byte) => byte !== 0x0d && byte !== 0x0a)).toString("latin1")),
);
/** The other headers an upload may carry: an `Idempotency-Key` and `Prefer`, well formed or not. */
const uploadHeadersArb = fc.array(
  fc.oneof(
    fc.tuple(
      fc.constant("Idempotency-Key"),
      fc.oneof(fc.uuid({ version: 4 }), fc.constantFrom("", "k".repeat(300), "key 1", "\u00ff"), headerValueArb),
    ),
    fc.tuple(
      fc.constant("Prefer"),
      fc.oneof(fc.constantFrom("respond-async", "respond-async, wait=5", "wait=abc", "return=minimal"), headerValueArb),
    ),
  ),
  { maxLength: 2 },
);
/** The API key the fuzzed server knows when it runs with `AUTH_MODE=api-key`. */
export const FUZZ_API_KEY = "bts_fuzz-key-for-one-tenant";

/** Credentials: the known key as a bearer or `X-API-Key`, and near misses (empty, another scheme, a JWT). */
const credentialArb = fc.oneof(
  fc.tuple(
    fc.constant("Authorization"),
    fc.oneof(
      fc.constantFrom(`Bearer ${FUZZ_API_KEY}`, "Bearer ", "Basic YTpi", "Bearer eyJhbGciOiJub25lIn0.e30.", "bearer"),
      headerValueArb,
    ),
  ),
  fc.tuple(fc.constant("X-API-Key"), fc.oneof(fc.constantFrom(FUZZ_API_KEY, "", `${FUZZ_API_KEY} `), headerValueArb)),
);

export const identityArb = fc.array(
  fc.oneof(
    fc.tuple(fc.constantFrom("X-Tenant-ID", "X-User-ID", "X-Account-ID", "x-user-id"), headerValueArb),
    credentialArb,
  ),
  { maxLength: 3 },
);

/** Transcription options and subtitle layout as a query, with any values (percent-encoded), repeated or not. */
const queryArb = fc
  .array(
    fc.tuple(
      // Every option the service reads (a new one is fuzzed as soon as it exists), and some it does not.
      fc.constantFrom(...TRANSCRIPTION_OPTION_NAMES, "max_lines", "max_line_chars", "format", "callback_url", "other"),
      fc.oneof(
        fc.constantFrom("es", "pt-BR", "true", "false", "nova-3", "pci", "numbers", "2", "Acme", "", "x".repeat(200)),
        fc.string({ maxLength: 30 }),
        fc.constantFrom(...CALLBACK_URLS),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length === 0 ? "" : `?${pairs.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("&")}`,
  );

/** What the client asks the answer to be: JSON, subtitles, with q-values, or junk. */
const acceptArb = fc.option(
  fc.oneof(
    fc.constantFrom(
      "text/vtt",
      "application/x-subrip",
      "application/json, text/vtt;q=0.5",
      "*/*",
      "text/*;q=0.1",
      ";;,,q=",
      "text/vtt;q=abc",
    ),
    fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz/*;=,. 0123456789"), maxLength: 60 }),
  ),
  { nil: undefined },
);

/**
 * The request line's version and target, and the Host and Expect headers: mostly as a client sends them,
 * sometimes what a careless or hostile one does (no Host, one that is not a host, HTTP/1.0, an expectation
 * the server cannot meet, a fragment or backslash in the target).
 */
export const frameArb = fc.record({
  version: fc.oneof(
    { weight: 8, arbitrary: fc.constant("HTTP/1.1") },
    fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "http/1.1"),
  ),
  host: fc.oneof(
    { weight: 8, arbitrary: fc.constant<string | undefined>("127.0.0.1") },
    fc.constantFrom<string | undefined>(undefined, "", "a b", "[::1", "x:99999", "x\\y", "x/y", "x@y", "[::1]:80"),
    fc.string({ maxLength: 20 }),
  ),
  expect: fc.oneof(
    { weight: 8, arbitrary: fc.constant<string | undefined>(undefined) },
    fc.constantFrom("100-continue", "the-moon", "100-continue, x"),
    fc.string({ maxLength: 20 }),
  ),
  targetSuffix: fc.oneof(
    { weight: 8, arbitrary: fc.constant("") },
    fc.constantFrom("#frag", "\\x", "/..", "%", "%zz", "&a=%ff"),
  ),
});
export type Frame = typeof frameArb extends fc.Arbitrary<infer T> ? T : never;

/** A request head: the request line, then Host and Expect as the frame says, then `headers`. */
export function requestHead(method: string, target: string, frame: Frame, headers: Array<[string, string]>): Buffer {
  const lines: Array<[string, string]> = [
    ...(frame.host === undefined ? [] : [["Host", frame.host] as [string, string]]),
    ...(frame.expect === undefined ? [] : [["Expect", frame.expect] as [string, string]]),
    ...headers,
  ];
  return Buffer.from(
    `${method} ${target}${frame.targetSuffix} ${frame.version}\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n`,
    "latin1",
  );
}

const hostileSpecArb = fc.record({
  boundary: boundaryArb,
  declaredBoundary: fc.option(boundaryArb, { nil: undefined, freq: 6 }),
  typeShape: fc.constantFrom(
    "plain",
    "plain",
    "plain",
    "quoted",
    "upper",
    "none",
    "text",
    "missing",
    "wav",
    "vtt",
    "octet",
  ),
  parts: fc.array(partArb, { maxLength: 5 }),
  close: fc.constantFrom(true, true, true, false),
  mangle: mangleArb,
  framing: framingArb,
  identity: identityArb,
  uploadHeaders: uploadHeadersArb,
  query: queryArb,
  accept: acceptArb,
  halfClose: fc.boolean(),
  frame: frameArb,
});

/** Well-formed requests with one file of any content: they reach detection, parsing, cleaning and publishing. */
const wellFormedSpecArb = fc.record({
  boundary: boundaryArb.filter((boundary) => /^[A-Za-z0-9'()+_,\-./:=?]{1,70}$/.test(boundary)),
  declaredBoundary: fc.constant(undefined),
  typeShape: fc.constant("plain"),
  parts: partArb.map((part) => [{ ...part, name: "file", filename: part.filename ?? "upload.bin" }]),
  close: fc.constant(true),
  mangle: fc.constant((body: Buffer) => body),
  framing: fc.constantFrom<Framing>("exact", "chunked"),
  identity: identityArb,
  uploadHeaders: uploadHeadersArb,
  // Mostly no query, so most of these reach processing; some carry generated options.
  query: fc.oneof({ weight: 3, arbitrary: fc.constant("") }, { weight: 1, arbitrary: queryArb }),
  accept: acceptArb,
  halfClose: fc.boolean(),
  frame: frameArb,
});

export const fuzzCaseArb: fc.Arbitrary<FuzzCase> = fc
  .oneof({ weight: 7, arbitrary: hostileSpecArb }, { weight: 3, arbitrary: wellFormedSpecArb })
  .map((spec) => {
    const body = spec.mangle(multipart(spec.boundary, spec.parts, spec.close));
    const boundary = spec.declaredBoundary ?? spec.boundary;
    const type = {
      plain: `multipart/form-data; boundary=${boundary}`,
      quoted: `multipart/form-data; boundary="${boundary}"`,
      upper: `MULTIPART/FORM-DATA; BOUNDARY=${boundary}`,
      none: "multipart/form-data",
      text: "text/plain",
      // The raw-body upload: the bytes are the file, whatever they hold.
      wav: "audio/wav",
      vtt: "text/vtt",
      octet: "application/octet-stream",
      missing: undefined,
    }[spec.typeShape];
    const headers: Array<[string, string]> = [];
    if (type !== undefined) headers.push(["Content-Type", type]);
    let wire = body;
    if (spec.framing === "exact") headers.push(["Content-Length", String(body.length)]);
    if (spec.framing === "short") headers.push(["Content-Length", String(Math.floor(body.length / 2))]);
    if (spec.framing === "long") headers.push(["Content-Length", String(body.length + 100)]);
    if (spec.framing === "chunked" || spec.framing === "bad-chunks") {
      headers.push(["Transfer-Encoding", "chunked"]);
      const size = spec.framing === "chunked" ? body.length.toString(16) : `${(body.length + 7).toString(16)}zz`;
      wire = Buffer.concat([
        Buffer.from(`${size}\r\n`),
        body,
        Buffer.from(spec.framing === "chunked" ? "\r\n0\r\n\r\n" : "\r\n"),
      ]);
    }
    headers.push(...spec.identity, ...spec.uploadHeaders);
    if (spec.accept !== undefined) headers.push(["Accept", spec.accept]);
    const head = requestHead("POST", `/batch/process${spec.query}`, spec.frame, headers);
    // Closing our side before the request is complete is an abort, which rightly gets no answer.
    return { head, body: wire, halfClose: spec.halfClose && spec.framing !== "long" && spec.framing !== "bad-chunks" };
  });

/** Reads of jobs: any method a client might send to a job path, any id, any query and cursor, any identity. */
const jobIdArb = fc.oneof(
  fc.uuid({ version: 4 }),
  fc.constantFrom("", "not-a-uuid", "11111111-1111-4111-8111-111111111111", "%00", "..", "a".repeat(300)),
  fc.string({ unit: fc.constantFrom(..."abcdef0123456789-%./"), maxLength: 60 }),
);
const readQueryArb = fc
  .array(
    fc.tuple(
      fc.constantFrom("status", "limit", "cursor", "format", "max_lines", "max_line_chars", "other"),
      fc.oneof(
        fc.constantFrom("failed", "deleted", "0", "100", "101", "-1", "vtt", "srt", "ass", "", "x".repeat(3000)),
        fc.string({ maxLength: 40 }),
        fc.base64String({ maxLength: 200 }),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length === 0 ? "" : `?${pairs.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("&")}`,
  );

export const jobReadCaseArb: fc.Arbitrary<FuzzCase> = fc
  .record({
    method: fc.constantFrom("GET", "GET", "GET", "DELETE", "HEAD", "POST", "PUT"),
    shape: fc.constantFrom("list", "job", "captions"),
    id: jobIdArb,
    query: readQueryArb,
    identity: identityArb,
    frame: frameArb,
  })
  .map(({ method, shape, id, query, identity, frame }) => {
    const path = shape === "list" ? "/batch/jobs" : `/batch/jobs/${id}${shape === "captions" ? "/captions" : ""}`;
    // The server closes after its answer: a HEAD's answer has a length and no body to wait for.
    const headers: Array<[string, string]> = [["Content-Length", "0"], ["Connection", "close"], ...identity];
    const head = requestHead(method, `${path}${query}`, frame, headers);
    return { head, body: Buffer.alloc(0), halfClose: false };
  });
