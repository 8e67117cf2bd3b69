/** A speaker label starts with a letter or digit and holds no brackets, quotes or operators. */
const LABEL = /^[\p{L}\p{N}][^{}[\]()<>="]*$/u;
/** A speaker label is at most this long, as captions import writes it (`Speaker: `). */
const MAX_LABEL_CHARS = 40;

/**
 * Splits off a leading `Speaker: ` label, scanning at most its bounded length. The one definition of a label,
 * shared by the cleaners: what one keeps, the other keeps too.
 */
export function splitSpeakerLabel(line: string): { label: string; speech: string } | undefined {
  const first = line[0];
  if (first === undefined || first === ":" || /\s/.test(first)) return undefined;
  const colon = line.slice(0, MAX_LABEL_CHARS + 1).indexOf(":");
  if (colon === -1 || !/\s/.test(line[colon + 1] ?? "")) return undefined;
  const label = line.slice(0, colon);
  // A name, not code: `{"json": true}` is not Alice speaking.
  if (!LABEL.test(label)) return undefined;
  return { label, speech: line.slice(colon + 1) };
}
