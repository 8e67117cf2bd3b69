/** A file received to disk, by whichever front door took it. `remove()` is safe to call more than once. */
export interface ReceivedUpload {
  path: string;
  bytes: number;
  /** The declared Content-Type: logged, never trusted (detection reads the bytes). */
  declaredType: string | undefined;
  remove(): Promise<void>;
}
