import { BASE_STYLE } from "./base-style.js";
import type { AuthMode } from "../../auth/authenticator.js";

/** The languages offered in the picker: those the rules cleaner has fillers for first, then other common ones. */
const LANGUAGE_CHOICES: ReadonlyArray<[string, string]> = [
  ["en", "English"],
  ["es", "Spanish"],
  ["fr", "French"],
  ["de", "German"],
  ["pt", "Portuguese"],
  ["it", "Italian"],
  ["nl", "Dutch"],
  ["ja", "Japanese"],
  ["zh", "Chinese"],
  ["hi", "Hindi"],
  ["ru", "Russian"],
  ["pl", "Polish"],
  ["sv", "Swedish"],
  ["tr", "Turkish"],
];

/**
 * The upload page: plain HTML with labelled, keyboard-reachable controls and one small script served by the
 * service (no CDN, no build step). The auth mode is written into the page so it asks for an API key only
 * when the service wants one.
 */
export function uploadPage(authMode: AuthMode): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Batch transcription</title>
<style>${BASE_STYLE}
  form { display: grid; gap: 0.75rem; padding: 1rem; background: #fff; border: 1px solid #ccc; border-radius: 0.5rem; }
  #drop { border: 2px dashed #888; border-radius: 0.5rem; padding: 1.25rem; text-align: center; }
  #drop.over { border-color: #0b57d0; background: #eef3fd; }
  label { font-weight: 600; }
  #drop, form > div { min-width: 0; }
  input[type=file], input[type=password] { max-width: 100%; }
  button { justify-self: start; font: inherit; padding: 0.5rem 1.25rem; border-radius: 0.4rem; border: 1px solid #0b57d0; background: #0b57d0; color: #fff; cursor: pointer; }
  button:disabled { opacity: 0.6; cursor: wait; }
  button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
  progress { width: 100%; height: 1rem; }
  #status { min-height: 1.5rem; }
  #error { color: #a30000; background: #fdecec; border: 1px solid #e6a0a0; border-radius: 0.4rem; padding: 0.75rem; }
  #result { display: flex; flex-wrap: wrap; gap: 1rem; margin-top: 1rem; }
  #result section { flex: 1 1 20rem; min-width: 0; background: #fff; border: 1px solid #ccc; border-radius: 0.5rem; padding: 0.75rem; }
  #result h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
  pre { white-space: pre-wrap; word-break: break-word; margin: 0; font: inherit; }
  #utterances { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.5rem; }
  #utterances li { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.75rem; }
  #utterances .when { color: #555; font-variant-numeric: tabular-nums; grid-row: span 2; }
  #utterances .who { font-weight: 600; }
  #utterances.no-speakers .when { grid-row: auto; }
  #error a { color: inherit; }
  .options { display: flex; flex-wrap: wrap; gap: 0.75rem 2rem; }
  select, input[type=text] { font: inherit; max-width: 100%; }
  #downloads { display: flex; gap: 0.75rem; margin-top: 1rem; }
  button.secondary { background: #fff; color: #0b57d0; }
  button.danger { color: #a30000; border-color: #a30000; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 1rem 0 0; }
  dt { font-weight: 600; } dd { margin: 0; word-break: break-all; }
  [hidden] { display: none !important; }
</style>
</head>
<body data-auth-mode="${authMode}">
<main>
  <h1>Transcribe a recording</h1>
  <form id="upload" novalidate>
    <div id="drop">
      <label for="file">Recording or captions file</label><br>
      <input id="file" name="file" type="file" accept="audio/*,video/*,.vtt,.srt,.txt" required>
      <p>or drop a file here</p>
    </div>
    <div class="options">
      <div>
        <label for="language">Language</label><br>
        <select id="language">
          <option value="">The provider's default</option>
          <option value="detect">Detect it</option>
${LANGUAGE_CHOICES.map(([code, name]) => `          <option value="${code}">${name}</option>`).join("\n")}
        </select>
      </div>
      <div>
        <label for="keyterms">Key terms</label><br>
        <input id="keyterms" type="text" placeholder="Acme, Zed Corp" aria-describedby="keyterms-hint" autocomplete="off">
        <br><small id="keyterms-hint">Names and jargon to spell right, separated by commas.</small>
      </div>
    </div>
    <div>
      <input id="async" type="checkbox">
      <label for="async">Queue it as a job and watch it (for long recordings)</label>
    </div>
    <div id="key-field"${authMode === "api-key" ? "" : " hidden"}>
      <label for="api-key">API key</label><br>
      <input id="api-key" type="password" autocomplete="off" spellcheck="false">
      <small>Kept in this tab only.</small>
    </div>
    <button id="submit" type="submit">Upload</button>
    <progress id="progress" max="100" value="0" aria-label="Upload progress" hidden></progress>
    <p id="status" role="status" aria-live="polite"></p>
    <p id="error" role="alert" hidden></p>
  </form>
  <div id="result" hidden>
    <section aria-labelledby="raw-heading"><h2 id="raw-heading">Raw transcript</h2><pre id="raw"></pre></section>
    <section aria-labelledby="cleaned-heading"><h2 id="cleaned-heading">Cleaned transcript</h2><pre id="cleaned"></pre></section>
    <section id="turns" aria-labelledby="turns-heading" hidden><h2 id="turns-heading">Who said what, when</h2><ol id="utterances"></ol></section>
  </div>
  <div id="downloads" hidden>
    <button type="button" id="download-vtt" class="secondary">Download VTT</button>
    <button type="button" id="download-srt" class="secondary">Download SRT</button>
    <button type="button" id="delete-job" class="secondary danger" hidden>Delete</button>
  </div>
  <dl id="facts" hidden>
    <dt>Interaction id</dt><dd id="interaction"></dd>
    <dt>Tenant</dt><dd id="tenant"></dd>
    <dt>Source</dt><dd id="source"></dd>
    <dt>Language</dt><dd id="language-fact"></dd>
    <dt>Confidence</dt><dd id="confidence"></dd>
    <dt>Cleaner</dt><dd id="cleaner"></dd>
    <dt>Event</dt><dd id="event"></dd>
  </dl>
</main>
<script src="/app.js"></script>
</body>
</html>
`;
}
