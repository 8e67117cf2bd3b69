import { defineConfig } from "vitest/config";

/** `npm run image:test`'s checks of the built image, run after the build (not part of `npm test`). */
export default defineConfig({
  test: {
    name: "image",
    include: ["tests/image/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
