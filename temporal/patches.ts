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

/** Every workflow patch, oldest first. */
export const workflowPatches: readonly WorkflowPatch[] = [
  {
    id: '2026-12-business-time-sla',
    reason:
      "ticketWorkflow (workflows/ticket/ticket-workflow.ts) counts SLAs in the team's business " +
      'calendar: first-response, next-response and resolution targets with warnings, the ' +
      "policy's escalation ladder (notify, raise priority, move queue, page on-call), promises, " +
      'pending and on-hold pauses, business-time follow-up and auto-close, re-arming on ' +
      'slaTermsChanged and rerouting on reopen. Version 1 armed one wall-clock first-response ' +
      'timer and took one escalation step, so its tickets keep that command sequence.',
    date: '2026-12-04',
    step: PatchStep.Patched,
    conditionForNextStep:
      'No ticket workflow started before 2026-12-04 is still running (list open ticketWorkflow ' +
      'executions with StartTime < "2026-12-04"), and tests/replay/histories/ holds the v2 ' +
      'histories; then switch to deprecatePatch and re-record.',
  },
  {
    id: '2026-12-assignment-notification',
    reason:
      'The assign update (workflows/ticket/ticket-workflow.ts) tells the new owner in their ' +
      'notification list when another agent or a lead assigns them the ticket: one more local ' +
      'activity (notifyAgents) after the projection. Tickets that recorded an assignment before ' +
      'it replay without that activity.',
    date: '2026-12-05',
    step: PatchStep.Patched,
    conditionForNextStep:
      'No ticket workflow started before 2026-12-05 is still running; then switch to ' +
      'deprecatePatch and record a reassignment history with the notification.',
  },
];
