/**
 * The page's script, sent as it is (plain browser JavaScript, no build step): upload with progress, show
 * the transcripts or the problem's detail, and in async mode watch the job until it is done.
 */
export const PAGE_SCRIPT = String.raw`"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("upload"), fileInput = $("file"), drop = $("drop"), button = $("submit"), progress = $("progress");
  const status = $("status"), error = $("error"), result = $("result"), facts = $("facts");
  let tenant = null;
  /** The transcript on show, sent back for its subtitles; the job it came from, when it was one. */
  let shown = null;
  let shownJob = null;

  /** The options asked in the form, as the upload's query: language or detection, and each key term. */
  const optionsQuery = () => {
    const query = new URLSearchParams();
    const language = $("language").value;
    if (language === "detect") query.set("detect_language", "true");
    else if (language) query.set("language", language);
    for (const term of $("keyterms").value.split(",")) if (term.trim()) query.append("keyterm", term.trim());
    const text = query.toString();
    return text ? "?" + text : "";
  };

  const headers = () => {
    const key = $("api-key").value.trim();
    const sent = {};
    if (key) sent["X-API-Key"] = key;
    if (tenant) sent["X-Tenant-ID"] = tenant;
    return sent;
  };
  const kib = (bytes) => bytes < 1048576 ? (bytes / 1024).toFixed(1) + " KiB" : (bytes / 1048576).toFixed(1) + " MiB";
  const showError = (text) => { error.textContent = text; error.hidden = false; status.textContent = ""; };
  const problemText = (body, statusCode) => body && typeof body.detail === "string" ? body.detail : "The service answered " + statusCode + ".";

  const clock = (seconds) => {
    const whole = Math.floor(seconds);
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  };

  function showUtterances(utterances) {
    const list = $("utterances");
    list.replaceChildren();
    for (const utterance of utterances || []) {
      const item = document.createElement("li");
      const when = document.createElement("span");
      when.className = "when";
      when.textContent = clock(utterance.start) + "–" + clock(utterance.end);
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = utterance.speaker || "Unknown speaker";
      const said = document.createElement("span");
      said.textContent = utterance.text;
      item.append(when, who, said);
      list.append(item);
    }
    $("turns").hidden = list.children.length === 0;
  }

  const percent = (share) => Math.round(share * 100) + "%";
  const languageName = (code) => { try { return new Intl.DisplayNames(["en"], { type: "language" }).of(code) || code; } catch { return code; } };
  const languageFact = (language) =>
    !language ? "not known" : languageName(language.code) + " (" + language.code + (language.detected ? ", detected" + (language.confidence === null ? "" : " " + percent(language.confidence)) : "") + ")";

  function show(answer) {
    shown = answer;
    showUtterances(answer.utterances);
    $("language-fact").textContent = languageFact(answer.language);
    $("confidence").textContent = typeof answer.confidence === "number" ? percent(answer.confidence) : "not given";
    $("downloads").hidden = !((answer.words && answer.words.length) || (answer.utterances && answer.utterances.length));
    $("raw").textContent = answer.raw_transcript || "";
    $("cleaned").textContent = answer.cleaned_transcript || "";
    $("interaction").textContent = answer.interaction_id;
    $("tenant").textContent = answer.tenant_id || "";
    $("source").textContent = answer.source || "";
    $("cleaner").textContent = answer.cleaner || "";
    $("event").textContent = answer.event ? answer.event.status + (answer.event.event_id ? " (" + answer.event.event_id + ")" : answer.event.error ? " (" + answer.event.error + ")" : "") : "published when the job completed";
    result.hidden = false; facts.hidden = false;
    status.textContent = "Done.";
  }

  function send(file, asJob) {
    return new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open("POST", (asJob ? "/batch/jobs" : "/batch/process") + optionsQuery());
      for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
      request.upload.onprogress = (event) => {
        if (!event.lengthComputable) return;
        const percent = Math.round((event.loaded / event.total) * 100);
        progress.value = percent;
        status.textContent = "Uploading " + kib(event.loaded) + " of " + kib(event.total) + " (" + percent + "%)";
      };
      request.upload.onload = () => { status.textContent = asJob ? "Uploaded; queuing the job…" : "Uploaded; transcribing and cleaning…"; };
      request.onload = () => {
        let body = null;
        try { body = JSON.parse(request.responseText); } catch { body = null; }
        resolve({ status: request.status, body, location: request.getResponseHeader("Location") });
      };
      request.onerror = () => resolve({ status: 0, body: null, location: null });
      const data = new FormData();
      data.append("file", file, file.name);
      request.send(data);
    });
  }

  /** How long the page watches a job before it leaves the job to run on and says where to look. */
  const WATCH_LIMIT_MS = 60 * 60 * 1000;

  async function watch(location) {
    const deadline = Date.now() + WATCH_LIMIT_MS;
    for (;;) {
      if (Date.now() > deadline) return showError("The job is still running; its status is at " + location + ".");
      let response;
      try {
        response = await fetch(location, { headers: headers(), signal: AbortSignal.timeout(15000) });
      } catch {
        await new Promise((done) => setTimeout(done, 5000));
        continue;
      }
      const job = await response.json().catch(() => null);
      if (!response.ok) return showError(problemText(job, response.status));
      status.textContent = "Job " + job.status + (job.attempts ? " (attempt " + job.attempts + ")" : "") + "…";
      if (job.status === "completed") { shownJob = location; $("delete-job").hidden = false; return show(job); }
      if (job.status === "failed") return showError(job.error ? job.error.message : "The job failed.");
      await new Promise((done) => setTimeout(done, 1000));
    }
  }

  async function upload(file) {
    error.hidden = true; result.hidden = true; facts.hidden = true; $("downloads").hidden = true; shown = null;
    shownJob = null; $("delete-job").hidden = true;
    button.disabled = true; progress.hidden = false; progress.value = 0;
    try {
      const asJob = $("async").checked;
      const answer = await send(file, asJob);
      if (answer.status === 0) return showError("The service could not be reached.");
      if (answer.status >= 400) return showError(problemText(answer.body, answer.status));
      if (answer.status === 202) {
        tenant = answer.body.tenant_id;
        return await watch(answer.location);
      }
      show(answer.body);
    } finally {
      button.disabled = false;
    }
  }

  /** The transcript on show as subtitles: sent back to the service, which writes them; saved as a file. */
  async function download(format) {
    if (!shown) return;
    error.hidden = true;
    try {
      const response = await fetch("/batch/subtitles?format=" + format, {
        method: "POST",
        headers: { ...headers(), "Content-Type": "application/json" },
        body: JSON.stringify(shown),
        signal: AbortSignal.timeout(60000),
      });
      if (!response.ok) return showError(problemText(await response.json().catch(() => null), response.status));
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = "transcript-" + shown.interaction_id + "." + format;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    } catch {
      showError("The subtitles could not be made; try again.");
    }
  }
  /** Deletes the job on show, with everything of it the service kept; the page forgets it too. */
  async function deleteJob() {
    if (!shownJob || !window.confirm("Delete this job and everything the service kept of it?")) return;
    try {
      const response = await fetch(shownJob, { method: "DELETE", headers: headers(), signal: AbortSignal.timeout(15000) });
      if (!response.ok) return showError(problemText(await response.json().catch(() => null), response.status));
      result.hidden = true; facts.hidden = true; $("downloads").hidden = true; shown = null; shownJob = null;
      status.textContent = "Deleted: the service keeps nothing of this job.";
    } catch {
      showError("The job could not be deleted; try again.");
    }
  }
  $("delete-job").addEventListener("click", () => void deleteJob());
  $("download-vtt").addEventListener("click", () => void download("vtt"));
  $("download-srt").addEventListener("click", () => void download("srt"));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = fileInput.files && fileInput.files[0];
    if (!file) return showError("Choose a recording or captions file first.");
    void upload(file);
  });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault(); drop.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length > 0) { fileInput.files = event.dataTransfer.files; void upload(event.dataTransfer.files[0]); }
  });
})();
`;
