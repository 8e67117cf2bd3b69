import { LOCAL_ENV_FILE } from "../app/env/env-files.js";
import { makeApiKey } from "./api-keys.js";

/** One tenant for the whole dev session, so a job submitted without X-Tenant-ID can be read back without it. */
export const DEV_TENANT_ID = "00000000-0000-4000-8000-000000000000";

/**
 * In `AUTH_MODE=api-key`, a key made for this session and added to `API_KEYS` (with any already there), so
 * the banner's curls carry a key that works.
 */
export function addSessionKey(env: NodeJS.ProcessEnv): string | undefined {
  if (env.AUTH_MODE !== "api-key") return undefined;
  let existing: unknown;
  try {
    existing = env.API_KEYS === undefined ? [] : JSON.parse(env.API_KEYS);
  } catch {
    // Not JSON: the configuration check names API_KEYS.
    return undefined;
  }
  if (!Array.isArray(existing)) return undefined;
  const { key, entry } = makeApiKey(DEV_TENANT_ID, { id: "dev-session" });
  env.API_KEYS = JSON.stringify([...(existing as unknown[]), entry]);
  return key;
}

export function envFileText(settings: Record<string, string>): string {
  const lines = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
  return `# Written by \`npm run dev\` for this session's local emulator; removed when it stops.\n# Read by npm run consume, verify and infra:local for whatever is not set.\n${lines.join("\n")}\n`;
}

export function banner(
  url: string,
  moto: { url: string } | undefined,
  worker: boolean,
  key: string | undefined,
): string {
  const auth = key === undefined ? "" : ` -H "X-API-Key: ${key}"`;
  const lines = [
    "",
    `Ready: ${url}  (open it for the upload page)`,
    `Try:   curl${auth} -F file=@tests/fixtures/captions/meeting.vtt ${url}batch/process`,
  ];
  if (key !== undefined)
    lines.push(`Key:   ${key}   (this session's API key, for tenant ${DEV_TENANT_ID}; paste it into the page)`);
  if (moto !== undefined) {
    lines.push(
      "Then:  npm run consume -- --once   (prints the events of that upload)",
      "       npm run verify              (proves events reach the queue)",
      `Local AWS: moto_server at ${moto.url}; its settings are in ${LOCAL_ENV_FILE}, which those commands read.`,
    );
  }
  if (worker)
    lines.push(
      `Jobs:  curl${auth} -F file=@tests/fixtures/captions/meeting.vtt ${url}batch/jobs   (a worker runs beside the service)`,
    );
  lines.push("Ctrl-C stops everything, letting requests in progress finish.", "");
  return lines.join("\n");
}
