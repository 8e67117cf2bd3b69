import js from "@eslint/js";
import regexp from "eslint-plugin-regexp";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".dependency-cruiser.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Patterns that backtrack or rescan in more than linear time: untrusted text must be read in linear time.
    // Tests are left out: they match the service's own output, and one keeps a replaced pattern to compare with.
    files: ["app/**", "tools/**", "scripts/**", "infra/**", "bench/**"],
    plugins: { regexp },
    rules: {
      "regexp/no-super-linear-backtracking": "error",
      "regexp/no-super-linear-move": "error",
    },
  },
  {
    files: ["app/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "AbortSignal",
          property: "any",
          message:
            "Join signals with any-signal's anySignal and clear() it when the work is done: Node holds an AbortSignal.any that has a listener (an SDK leaves one) until it aborts, so one leaked a request.",
        },
      ],
    },
  },
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
