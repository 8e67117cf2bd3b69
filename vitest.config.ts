import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ["tests/support/temp-root.ts"],
    coverage: {
      provider: "v8",
      include: ["app/**/*.ts"],
      reporter: ["text-summary", "json-summary"],
      // The design's minimum for app/; the figure of the last run is in the README.
      thresholds: { lines: 80 },
    },
    projects: [
      {
        extends: true,
        // The built image's checks run in `npm run image:test` (vitest.image.config.ts), after a real build.
        test: { name: "service", include: ["tests/**/*.test.ts"], exclude: ["tests/aws/**", "tests/image/**"] },
      },
      {
        // The AWS suites share one moto_server and reset it between suites, so they run one file at a time.
        extends: true,
        test: {
          name: "aws",
          include: ["tests/aws/**/*.test.ts"],
          globalSetup: ["tests/support/moto-global-setup.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
