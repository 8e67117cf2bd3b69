import type { AuthSettings } from "./auth-settings.js";
import { createApiKeyAuthenticator } from "./api-key-authenticator.js";
import type { Authenticator } from "./authenticator.js";
import { createJwtAuthenticator } from "./jwt-authenticator.js";

/** The configured mode's authenticator; `undefined` in `headers` mode (identity from the trusted headers). */
export function createAuthenticator(auth: AuthSettings): Authenticator | undefined {
  switch (auth.mode) {
    case "headers":
      return undefined;
    case "jwt":
      return createJwtAuthenticator(auth.jwt);
    case "api-key":
      return createApiKeyAuthenticator(auth.apiKeys);
  }
}
