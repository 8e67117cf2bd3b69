/**
 * The part of the page's script that shows things: a failure with its interaction id and problem link, the
 * utterances (a speaker column only when there are speakers, times to the tenth), the answer's facts.
 * Spliced into `PAGE_SCRIPT`'s closure, where `$`, the elements and `shown` are.
 */
export const PAGE_DISPLAY = String.raw`  /**
   * A failure, shown as one: the bar goes, the text says what happened and, for a problem the service
   * answered, its interaction id (to quote to the operator) and a link to what the problem means.
   */
  const showError = (text, problem) => {
    progress.hidden = true;
    status.textContent = "";
    error.replaceChildren(text);
    if (problem && typeof problem.interaction_id === "string") {
      const id = document.createElement("small");
      id.className = "problem-id";
      id.textContent = "Interaction id: " + problem.interaction_id;
      error.append(document.createElement("br"), id);
    }
    if (problem && typeof problem.type === "string" && problem.type.startsWith("/problems/")) {
      const link = document.createElement("a");
      link.href = problem.type;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "What this means and what to do";
      error.append(document.createElement("br"), link);
    }
    error.hidden = false;
  };
  const problemText = (body, statusCode) => body && typeof body.detail === "string" ? body.detail : "The service answered " + statusCode + ".";
  const showProblem = (body, statusCode) => showError(problemText(body, statusCode), body);

  /** Minutes, seconds and tenths: 7.9 s is 0:07.9. */
  const clock = (seconds) => {
    const tenths = Math.round(seconds * 10);
    return Math.floor(tenths / 600) + ":" + ((tenths % 600) / 10).toFixed(1).padStart(4, "0");
  };

  function showUtterances(utterances) {
    const list = $("utterances");
    list.replaceChildren();
    // Captions with no voices have no speaker to show: no column of "unknown".
    const speakers = (utterances || []).some((utterance) => utterance.speaker);
    list.classList.toggle("no-speakers", !speakers);
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
      if (speakers) item.append(when, who, said);
      else item.append(when, said);
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
  }`;
