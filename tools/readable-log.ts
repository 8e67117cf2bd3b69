import { Transform } from "node:stream";

/** Fields every line has, which a person reading a terminal does not need. */
const PLUMBING = new Set(["time", "level", "msg", "service", "pid", "hostname", "interaction_id"]);

function valueText(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Object && "message" in value && typeof value.message === "string")
    return JSON.stringify(value.message);
  return JSON.stringify(value) ?? "null";
}

function fields(entries: Record<string, unknown>): string {
  return Object.entries(entries)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => ` ${key}=${valueText(value)}`)
    .join("");
}

/**
 * One JSON log line as one readable line: time, level, interaction id, message, then the other fields as
 * `key=value`. A request's access line reads `POST /batch/process → 200 in 12 ms` followed by its outcome.
 */
export function readableLine(line: Record<string, unknown>): string {
  const clock = typeof line.time === "string" ? line.time.slice(11, 23) : "";
  const level = (typeof line.level === "string" ? line.level : "info").toUpperCase().padEnd(5);
  const interaction = typeof line.interaction_id === "string" ? ` ${line.interaction_id}` : "";
  const rest = Object.fromEntries(Object.entries(line).filter(([key]) => !PLUMBING.has(key)));
  if (line.msg === "request completed") {
    const { method, path, status, duration_ms: ms, ...outcome } = rest;
    return `${clock} ${level}${interaction} ${String(method)} ${String(path)} → ${String(status)} in ${String(ms)} ms${fields(outcome)}`;
  }
  const message = typeof line.msg === "string" ? line.msg : "";
  return `${clock} ${level}${interaction} ${message}${fields(rest)}`;
}

/** Turns a stream of JSON log lines into readable lines; a line that is not JSON passes as it is. */
export function readableLogStream(): Transform {
  let partial = "";
  const format = (text: string) => {
    try {
      return `${readableLine(JSON.parse(text) as Record<string, unknown>)}\n`;
    } catch {
      return `${text}\n`;
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      done(null, lines.filter(Boolean).map(format).join(""));
    },
    flush(done) {
      done(null, partial === "" ? "" : format(partial));
    },
  });
}
