/**
 * "The head of a file": its first bytes, from which its kind is told. Enough for every container's signature
 * (file-type skips ID3 tags and reads MP4 boxes); kept by every sink for detection once the file is stored.
 */
export const FILE_HEAD_BYTES = 256 * 1024;

/**
 * How much of the head is screened while the file still arrives, before the rest is read: a type that is
 * not accepted is refused here, and audio starts to flow to the provider. Smaller than the head so that the
 * refusal comes early; a file that needs more to be told (a long ID3 tag) is judged from its head when stored.
 */
export const SCREEN_BYTES = 64 * 1024;
