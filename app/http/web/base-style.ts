/** The look every page of the service shares (the upload page, the problem pages): type, colours, width. */
export const BASE_STYLE = `
  *, *::before, *::after { box-sizing: border-box; }
  :root { font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b; background: #fafafa; }
  body { margin: 0 auto; max-width: 72rem; padding: 1rem; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  h2 { font-size: 1.1rem; margin: 1rem 0 0.5rem; }
  a { color: #0b57d0; }
  code { font-family: ui-monospace, monospace; background: #eef0f3; padding: 0 0.25rem; border-radius: 0.25rem; }
  .card { background: #fff; border: 1px solid #ccc; border-radius: 0.5rem; padding: 1rem; }
  .status-line { color: #a30000; }`;
