// Custom fields per team: the definitions a lead manages (key, label, type, options, required)
// and the check of values an agent sets on a ticket against its team's definitions. Values are
// stored by the ticket workflow (setFields update) and projected to ticket.custom_fields; this
// file only reads and replaces definitions and validates. Tests: tests/api/collab-fields.test.ts.
import type { CustomFieldDefinition, CustomFieldType } from '../../api/contract.ts';
import type { FieldChange, FieldValue } from '../../workflows/ticket/collab-actions.ts';
import type { EntityManager } from '../orm.ts';

type Row = Record<string, unknown>;

export const customFieldTypes = ['text', 'number', 'select', 'date'] as const;

const textLimit = 1_000;

/** A team's custom field definitions in display order. */
export async function loadCustomFieldDefinitions(
  em: EntityManager,
  teamId: number,
): Promise<CustomFieldDefinition[]> {
  const rows: Row[] = await em.execute(
    `select key, label, type, options, required from custom_field_definition
      where team_id = ? order by position, id`,
    [teamId],
  );
  return rows.map((r) => ({
    key: String(r.key),
    label: String(r.label),
    type: r.type as CustomFieldType,
    options: (r.options ?? []) as string[],
    required: Boolean(r.required),
  }));
}

/** Replaces a team's definitions with this list, in one transaction; values on tickets stay. */
export async function replaceCustomFieldDefinitions(
  em: EntityManager,
  teamId: number,
  definitions: CustomFieldDefinition[],
): Promise<void> {
  await em.transactional(async (tx) => {
    await tx.execute('delete from custom_field_definition where team_id = ?', [teamId]);
    for (const [position, d] of definitions.entries()) {
      await tx.execute(
        `insert into custom_field_definition (team_id, key, label, type, options, required, position)
         values (?, ?, ?, ?, ?::jsonb, ?, ?)`,
        [teamId, d.key, d.label, d.type, JSON.stringify(d.options), d.required, position],
      );
    }
  });
}

/**
 * Checks values against the team's definitions: every key must be defined, every value of its
 * type (a select one of its options, a date YYYY-MM-DD), and a required field cannot be cleared.
 * Answers the changes to apply, or the problems, each naming its field.
 */
export function checkFieldValues(
  definitions: CustomFieldDefinition[],
  fields: Record<string, unknown>,
): { changes: FieldChange[]; problems: { field: string; problem: string }[] } {
  const changes: FieldChange[] = [];
  const problems: { field: string; problem: string }[] = [];
  for (const [key, raw] of Object.entries(fields)) {
    const field = `body.fields.${key}`;
    const definition = definitions.find((d) => d.key === key);
    if (definition === undefined) {
      const known = definitions.map((d) => d.key).join(', ') || 'none';
      problems.push({
        field,
        problem: `no custom field "${key}" on this ticket's team (known: ${known})`,
      });
      continue;
    }
    const checked = checkValue(definition, raw);
    if (typeof checked === 'object' && checked !== null && 'problem' in checked) {
      problems.push({ field, problem: checked.problem });
    } else {
      changes.push({ key, label: definition.label, value: checked as FieldValue });
    }
  }
  return { changes, problems };
}

function checkValue(d: CustomFieldDefinition, raw: unknown): FieldValue | { problem: string } {
  const isEmpty = raw === null || (typeof raw === 'string' && raw.trim() === '');
  if (isEmpty)
    return d.required ? { problem: `"${d.label}" is required and cannot be cleared` } : null;

  switch (d.type) {
    case 'text':
      if (typeof raw !== 'string') return { problem: `"${d.label}" takes text` };
      if (raw.length > textLimit)
        return { problem: `"${d.label}" is longer than ${textLimit} characters` };
      return raw.trim();
    case 'number': {
      const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return { problem: `"${d.label}" takes a number, got ${JSON.stringify(raw)}` };
      }
      return value;
    }
    case 'select':
      if (typeof raw !== 'string' || !d.options.includes(raw)) {
        return {
          problem: `"${d.label}" must be one of ${d.options.map((o) => `"${o}"`).join(', ')}`,
        };
      }
      return raw;
    case 'date':
      if (typeof raw !== 'string' || !isCalendarDate(raw)) {
        return { problem: `"${d.label}" takes a date as YYYY-MM-DD, got ${JSON.stringify(raw)}` };
      }
      return raw;
  }
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
