/** Who asked, and which interaction this is; carried through the pipeline and into the event. */
export interface RequestContext {
  tenantId: string;
  userId: string;
  accountId: string | null;
  interactionId: string;
}
