// The register of workflow patches: every `patched('<yyyy-mm>-<what-changed>')` call in
// workflows/ is listed here with why it exists and when it may move on, so nobody removes a
// branch that tickets in flight still replay through. Steps: `patched` (old and new code both
// run), `deprecated` (`deprecatePatch`, only new code runs) and `removed` (the call is gone).
// tests/replay/ replays the recorded histories of each step before a patch moves on.

/** How far a patch has come on its way out of the workflow code. */
export const PatchStep = {
  Patched: 'patched',
  Deprecated: 'deprecated',
  Removed: 'removed',
} as const;
export type PatchStep = (typeof PatchStep)[keyof typeof PatchStep];

/** One entry of the register. */
export interface WorkflowPatch {
  /** The id passed to `patched()`, `<yyyy-mm>-<what-changed>`. */
  id: string;
  /** Which command sequence changed, and why. */
  reason: string;
  /** When the patch shipped, `YYYY-MM-DD`. */
  date: string;
  step: PatchStep;
  /** What must be true before the next step, e.g. no open ticket started before the date. */
  conditionForNextStep: string;
}

/** Every workflow patch, oldest first; empty while no command sequence has changed. */
export const workflowPatches: readonly WorkflowPatch[] = [];
