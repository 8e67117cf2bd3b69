/**
 * A speaker label starts with a letter or digit and holds no brackets, quotes, operators, nor a mark that
 * ends or joins sentences (`Quoi ? Bon ; on y va : demain` is speech).
 */
const LABEL = /^[\p{L}\p{N}][^{}[\]()<>="?!;]*$/u;
/** A speaker label is at most this long, as captions import writes it (`Speaker: `), when the speakers are not known. */
const MAX_LABEL_CHARS = 40;

/** The speakers a transcript's lines are labelled with, ready to look a line's label up. */
export interface KnownSpeakers {
  names: ReadonlySet<string>;
  longest: number;
}

/**
 * The speakers as a lookup; undefined when they are not known (then any name-shaped label counts). A
 * transcript with no speakers has none: "Note: the date" is then speech, not Note speaking.
 */
export function knownSpeakers(speakers: readonly string[] | undefined): KnownSpeakers | undefined {
  if (speakers === undefined) return undefined;
  return { names: new Set(speakers), longest: speakers.reduce((most, name) => Math.max(most, name.length), 0) };
}

/**
 * Splits off a leading `Speaker: ` label, scanning at most its bounded length. With the transcript's speakers
 * known, a label is one of them (up to the first `: `); without, anything shaped like a name. The one
 * definition of a label, shared by the cleaners: what one keeps, the other keeps too.
 */
export function splitSpeakerLabel(
  line: string,
  speakers?: KnownSpeakers,
): { label: string; speech: string } | undefined {
  const first = line[0];
  if (first === undefined || first === ":" || /\s/.test(first)) return undefined;
  const colon = line.slice(0, (speakers?.longest ?? MAX_LABEL_CHARS) + 1).indexOf(":");
  if (colon === -1 || !/\s/.test(line[colon + 1] ?? "")) return undefined;
  const label = line.slice(0, colon);
  // A name, not code: `{"json": true}` is not Alice speaking.
  if (speakers === undefined ? !LABEL.test(label) : !speakers.names.has(label)) return undefined;
  return { label, speech: line.slice(colon + 1) };
}
