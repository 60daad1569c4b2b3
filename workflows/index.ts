// The workflow bundle's entry point: every workflow type the Casework worker runs.
export { ticketWorkflow } from './ticket/ticket-workflow.ts';
export { weeklyTriageMailWorkflow } from './reports/weekly-triage-workflow.ts';
