export interface Chunk {
  text: string;
  /** What joined this chunk to the next in the original: a line break or a space. */
  separator: "\n" | " " | "";
}

/**
 * Splits a transcript into chunks of at most `maxChars` characters, cutting only at sentence ends or line
 * breaks (a single sentence longer than that is cut between words). Joining each chunk's text with its
 * separator gives back the transcript with its whitespace normalised.
 */
export function splitIntoChunks(transcript: string, maxChars: number): Chunk[] {
  const pieces = sentencePieces(transcript).flatMap((piece) => splitLongPiece(piece, maxChars));
  const chunks: Chunk[] = [];
  let current: Chunk | undefined;
  for (const piece of pieces) {
    if (current !== undefined && current.text.length + 1 + piece.text.length <= maxChars) {
      current.text += current.separator + piece.text;
      current.separator = piece.separator;
      continue;
    }
    current = { ...piece };
    chunks.push(current);
  }
  return chunks;
}

export function joinChunks(chunks: ReadonlyArray<Pick<Chunk, "separator"> & { text: string }>): string {
  return chunks.map((chunk, index) => (index < chunks.length - 1 ? chunk.text + chunk.separator : chunk.text)).join("");
}

function sentencePieces(transcript: string): Chunk[] {
  const pieces: Chunk[] = [];
  const lines = transcript.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  lines.forEach((line, lineIndex) => {
    const sentences = line.split(/(?<=[.!?])\s+/).filter(Boolean);
    sentences.forEach((sentence, index) => {
      const lastOfLine = index === sentences.length - 1;
      const separator = !lastOfLine ? " " : lineIndex < lines.length - 1 ? "\n" : "";
      pieces.push({ text: sentence.replace(/\s+/g, " "), separator });
    });
  });
  return pieces;
}

function splitLongPiece(piece: Chunk, maxChars: number): Chunk[] {
  if (piece.text.length <= maxChars) return [piece];
  const parts: Chunk[] = [];
  let current = "";
  for (const word of piece.text.split(" ")) {
    if (current !== "" && current.length + 1 + word.length > maxChars) {
      parts.push({ text: current, separator: " " });
      current = "";
    }
    current = current === "" ? word : `${current} ${word}`;
  }
  parts.push({ text: current, separator: piece.separator });
  return parts;
}
