import * as v from "valibot";
import { authSettings } from "../auth/auth-settings.js";
import { cleanerSettings } from "../cleaning/cleaner-settings.js";
import { ConfigError } from "../env/env-values.js";
import { eventSettings } from "../events/event-settings.js";
import { idempotencySettings } from "../idempotency/idempotency-settings.js";
import { jobSettings } from "../jobs/job-settings.js";
import { webhookSettings } from "../webhooks/webhook-settings.js";
import {
  defaultModelOf,
  PROVIDER_REGISTRY,
  providerAnswerSettings,
  providerChoiceSettings,
  transcriptionModelSettings,
  type ProviderSettings,
} from "../transcription/provider-registry.js";
import { awsSettings, httpSettings, processSettings } from "./service-settings.js";

export { ConfigError };

/**
 * Every component's variables, in the order the README's table and `.env.example` list them. Each
 * component owns its variables and defaults; this is only where they meet.
 */
export const COMPONENT_SETTINGS = [
  processSettings,
  httpSettings,
  providerChoiceSettings,
  transcriptionModelSettings,
  providerAnswerSettings,
  ...Object.values(PROVIDER_REGISTRY).map((provider) => provider.settings),
  cleanerSettings,
  awsSettings,
  eventSettings,
  jobSettings,
  webhookSettings,
  idempotencySettings,
  authSettings,
] as const;

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (all: infer I) => void
  ? I
  : never;
/** The environment's schema: every component's variables, from the one list above. */
const EnvSchema = v.object(
  Object.assign({}, ...COMPONENT_SETTINGS.map((component) => component.entries)) as UnionToIntersection<
    (typeof COMPONENT_SETTINGS)[number]["entries"]
  >,
);
type Env = v.InferOutput<typeof EnvSchema>;

/** Each registered provider's settings, under its name. */
function providerSettings(env: Env): ProviderSettings {
  const entries = Object.entries(PROVIDER_REGISTRY).map(([name, provider]) => [name, provider.settings.read(env)]);
  return Object.fromEntries(entries) as ProviderSettings;
}

function read(env: Env) {
  return {
    ...processSettings.read(env),
    ...httpSettings.read(env),
    transcriptionProvider: providerChoiceSettings.read(env),
    transcriptionModels: transcriptionModelSettings.read(env),
    maxProviderAnswerBytes: providerAnswerSettings.read(env),
    ...providerSettings(env),
    cleaner: cleanerSettings.read(env),
    aws: awsSettings.read(env),
    events: eventSettings.read(env),
    ...jobSettings.read(env),
    webhooks: webhookSettings.read(env),
    idempotency: idempotencySettings.read(env),
    auth: authSettings.read(env),
  };
}

export type Config = ReturnType<typeof read>;

/** Rules that span two components' variables. */
function checkAcross(env: Env): void {
  if (env.REQUEST_TIMEOUT_S > 0 && env.HEADERS_TIMEOUT_S > env.REQUEST_TIMEOUT_S) {
    throw new ConfigError("Invalid configuration: HEADERS_TIMEOUT_S: must be at most REQUEST_TIMEOUT_S");
  }
  const models = transcriptionModelSettings.read(env);
  const model = defaultModelOf(env.TRANSCRIPTION_PROVIDER, providerSettings(env));
  if (models.length > 0 && !models.includes(model)) {
    throw new ConfigError(
      `Invalid configuration: TRANSCRIPTION_MODELS: must include the configured model (${model}), which requests get by default`,
    );
  }
  if (env.CLEANER === "openai" && env.OPENAI_API_KEY === undefined) {
    throw new ConfigError("Invalid configuration: CLEANER: openai needs OPENAI_API_KEY (or use auto or rules)");
  }
}

/**
 * The only reader of the environment: parses it into a typed config or throws a ConfigError that names
 * every variable that is wrong. Empty values count as unset, as they do in most deployment dashboards.
 */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(environment)
      .map(([key, value]) => [key, value?.trim()] as const)
      .filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = v.safeParse(EnvSchema, present);
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? "environment"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  checkAcross(parsed.output);
  return read(parsed.output);
}

/** For a process's entry point: the config, or the message naming what is wrong on stderr and exit 1. */
export function loadConfigOrExit(environment: Record<string, string | undefined>): Config {
  try {
    return loadConfig(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/** The config as it may be logged: secrets reduced to whether they are set. */
export function redactConfig(config: Config): Record<string, unknown> {
  const { apiKey: deepgramKey, ...deepgram } = config.deepgram;
  const { apiKey: openaiKey, ...openai } = config.openai;
  const { metricsToken, ...rest } = config;
  const { secret: webhookSecret, tenantSecrets, ...webhooks } = config.webhooks;
  const { cursorSigningKey, ...jobs } = config.jobs;
  return {
    ...rest,
    jobs: { ...jobs, cursor_signing_key_set: cursorSigningKey !== undefined },
    webhooks: {
      ...webhooks,
      // Whether they are set, and for which tenants: never a value.
      signing_set: webhookSecret !== undefined,
      tenants_signing_their_own: Object.keys(tenantSecrets),
    },
    metrics_token_set: metricsToken !== undefined,
    auth:
      config.auth.mode === "api-key"
        ? { mode: "api-key", key_ids: config.auth.apiKeys.map((key) => key.id) }
        : config.auth,
    deepgram: { ...deepgram, api_key_set: deepgramKey !== undefined },
    openai: { ...openai, api_key_set: openaiKey !== undefined },
  };
}
