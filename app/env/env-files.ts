import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";

/** The variable files of a working directory, in the order they are read: the first to set a name wins. */
export const ENV_FILE = ".env";
/** Where `npm run dev` writes its session's emulator settings, read after `.env`. */
export const LOCAL_ENV_FILE = ".env.local";

/** Where a setting came from: the environment the process was started with, or one of the files. */
export type SettingSource = "environment" | typeof ENV_FILE | typeof LOCAL_ENV_FILE;

/**
 * Reads the files (from the working directory) into `env`, each setting only what is still unset: the
 * environment wins over `.env`, which wins over `.env.local`. Returns where every variable set now came from.
 */
export function loadEnvFiles(
  files: ReadonlyArray<typeof ENV_FILE | typeof LOCAL_ENV_FILE>,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, SettingSource> {
  const sources = new Map<string, SettingSource>();
  for (const name of Object.keys(env)) sources.set(name, "environment");
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const [name, value] of Object.entries(parseEnv(readFileSync(file, "utf8")))) {
      if (env[name] !== undefined) continue;
      env[name] = value;
      sources.set(name, file);
    }
  }
  return sources;
}
