import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * JSON logs to stdout. Secrets are redacted by path as a second line of defence; transcripts are never
 * passed to the logger at all (callers log their lengths).
 */
export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "batch-transcription" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ["*.apiKey", "*.*.apiKey", "headers.authorization", "*.headers.authorization"],
        censor: "[redacted]",
      },
    },
    options.destination,
  );
}
