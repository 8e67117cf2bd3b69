/** Where a file the text worker reads is: a path on disk, or its bytes (a small upload kept in memory). */
export type FileSource = { path: string } | { contents: Uint8Array };
