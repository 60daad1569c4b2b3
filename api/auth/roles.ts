// The roles an account can hold. An account holds one or more: every seeded person is an
// agent, and some also lead a team, audit, or administer the workspace.

export const Role = {
  Agent: 'agent',
  Lead: 'lead',
  Auditor: 'auditor',
  Admin: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const roles = Object.values(Role);
