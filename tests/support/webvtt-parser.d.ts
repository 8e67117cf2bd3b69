/** The part of `webvtt-parser` (no types of its own) the tests use: the W3C parser's cues and errors. */
declare module "webvtt-parser" {
  export interface WebVttNode {
    type: "text" | "object";
    name?: string;
    value?: string;
    classes?: string[];
    children: WebVttNode[];
  }
  export interface WebVttCue {
    id: string;
    startTime: number;
    endTime: number;
    text: string;
    tree: { children: WebVttNode[] };
  }
  export class WebVTTParser {
    constructor(entities?: Record<string, string>);
    parse(
      input: string,
      mode?: "metadata" | "chapters",
    ): { cues: WebVttCue[]; errors: Array<{ message: string; line: number; col: number }> };
  }
}
