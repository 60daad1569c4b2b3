// The shape of a candidate policy the simulator runs over past tickets, and its loader. A
// candidate is a TypeScript module a lead writes beside (or as a copy of) workflows/policies/*;
// it exports any of the functions below under the same names and signatures, plus optional SLA
// targets. Whatever it leaves out, the simulator takes from what was recorded (or, when an
// input changed, from today's policies). Examples: temporal/audit/examples/.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AssignmentDecision, chooseAssignee } from '../../workflows/policies/assignment.ts';
import type {
  escalationOnBreach,
  firstResponseDue,
  targetDue,
} from '../../workflows/policies/sla.ts';
import type { TriageDecision, TriageFacts } from '../../workflows/policies/triage.ts';
import type { Priority } from '../../workflows/ticket/vocabulary.ts';

/**
 * A candidate policy module. Every member is optional, but a module must export at least one:
 * - `triageTicket(facts)`: queue and priority, as workflows/policies/triage.ts;
 * - `chooseAssignee({ strategy, skill, candidates })`: the agent, as workflows/policies/assignment.ts;
 * - `firstResponseDue({ terms, priority, receivedAt })` (wall clock, v1), `targetDue(facts)`
 *   (business time, v2) and `escalationOnBreach`, as workflows/policies/sla.ts;
 * - `slaTargets.firstResponseMinutes`: per-priority first-response targets replacing the
 *   queues' SLA policy terms (used with today's `firstResponseDue` unless the module has one);
 * - `name`: how reports call it (the file name otherwise).
 */
export interface CandidatePolicy {
  name?: string;
  triageTicket?: (facts: TriageFacts) => TriageDecision;
  chooseAssignee?: (options: Parameters<typeof chooseAssignee>[0]) => AssignmentDecision;
  firstResponseDue?: typeof firstResponseDue;
  targetDue?: typeof targetDue;
  escalationOnBreach?: typeof escalationOnBreach;
  slaTargets?: { firstResponseMinutes?: Partial<Record<Priority, number>> };
}

const functionMembers = [
  'triageTicket',
  'chooseAssignee',
  'firstResponseDue',
  'targetDue',
  'escalationOnBreach',
] as const;

/** Imports a candidate policy module from a file path; throws saying what the module lacks. */
export async function loadCandidatePolicy(file: string): Promise<CandidatePolicy> {
  const resolved = path.resolve(file);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `Cannot load the candidate policy ${resolved}: check the path and its imports.`,
      {
        cause: error,
      },
    );
  }

  const candidate = checkCandidatePolicy(loaded, resolved);
  return { ...candidate, name: candidate.name ?? path.basename(resolved, path.extname(resolved)) };
}

/** Checks a module's exports against CandidatePolicy; throws naming the wrong member. */
export function checkCandidatePolicy(
  module: Record<string, unknown>,
  where: string,
): CandidatePolicy {
  for (const member of functionMembers) {
    const value = module[member];
    if (value !== undefined && typeof value !== 'function') {
      throw new Error(`${where}: export "${member}" must be a function, got ${typeof value}.`);
    }
  }

  const targets = module.slaTargets as CandidatePolicy['slaTargets'] | undefined;
  const minutes = targets?.firstResponseMinutes ?? {};
  for (const [priority, value] of Object.entries(minutes)) {
    if (typeof value !== 'number' || !(value > 0)) {
      throw new Error(
        `${where}: slaTargets.firstResponseMinutes.${priority} must be a positive number of minutes.`,
      );
    }
  }

  const hasMember = functionMembers.some((m) => module[m] !== undefined) || targets !== undefined;
  if (!hasMember) {
    throw new Error(
      `${where} exports none of ${functionMembers.join(', ')} or slaTargets: ` +
        'a candidate policy must change at least one of them.',
    );
  }
  return module as CandidatePolicy;
}
