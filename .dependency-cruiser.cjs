/**
 * The architecture, as `npm test` checks it. `app/` is written down once here as layers, bottom first: a
 * module may import its own layer's folders and any layer below, never one above. Cycles fail anywhere.
 */
const APP_LAYERS = [
  ["domain"],
  ["logger", "resilience", "text", "env", "aws"],
  ["storage", "auth", "transcription", "cleaning"],
  ["upload", "captions", "subtitles"],
  ["text-work"],
  ["events"],
  ["idempotency"],
  ["observability"],
  ["pipeline"],
  ["jobs", "webhooks"],
  ["config"],
  ["composition"],
  ["http", "worker", "server"],
];

/** `app/<name>/…` or `app/<name>.ts`. */
const modules = (names) => `^app/(${names.join("|")})(/|\\.ts$)`;

const upwardImports = APP_LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${index}-imports-upward`,
  comment: `${layer.join(", ")} may import only from layers below it (.dependency-cruiser.cjs)`,
  severity: "error",
  from: { path: modules(layer) },
  to: { path: modules(APP_LAYERS.slice(index + 1).flat()) },
}));

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "an import cycle is a design bug: move what both need one layer down",
      severity: "error",
      from: { path: "^(app|tools|infra|scripts|bench)/" },
      to: { circular: true },
    },
    {
      name: "app-unlayered",
      comment: "every module of app/ belongs to a layer: add its folder to APP_LAYERS",
      severity: "error",
      from: { path: "^app/" },
      to: { path: "^app/", pathNot: modules(APP_LAYERS.flat()) },
    },
    ...upwardImports,
    {
      name: "app-imports-around-it",
      comment: "the service does not import the tools, the infrastructure, the scripts or the tests",
      severity: "error",
      from: { path: "^app/" },
      to: { path: "^(tools|infra|scripts|tests|bench)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
