import type { Server } from "node:http";
import type { TestAppOverrides } from "./test-app.js";
import { startHttpServer } from "../../app/http/server/node-server.js";
import type { LingerLimits } from "../../app/http/server/lingering-close.js";
import { buildTestApp } from "./test-app.js";

type Fetch = Parameters<typeof startHttpServer>[0]["fetch"];

/** An app's fetch behind the service's own Node server settings, on a free loopback port. */
export async function serveOnLoopback(fetch: Fetch, { linger }: { linger?: LingerLimits } = {}) {
  const server = await new Promise<Server>((resolve) => {
    const started: Server = startHttpServer(
      {
        fetch,
        port: 0,
        hostname: "127.0.0.1",
        timeouts: { headersMs: 10_000, keepAliveMs: 5_000, requestMs: 0 },
        ...(linger && { linger }),
      },
      () => resolve(started),
    );
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The test app, listening as the service does. */
export async function listenTestApp(overrides: TestAppOverrides = {}, options: { linger?: LingerLimits } = {}) {
  const built = await buildTestApp(overrides);
  const served = await serveOnLoopback(built.app.fetch, options);
  return {
    ...built,
    ...served,
    async close() {
      await served.close();
      await built.dispose();
    },
  };
}
