// reports: a tiny tagged template for composing the report queries from fragments while keeping
// every value a bound parameter (never spliced into the text), in the `?` style MikroORM's
// EntityManager.execute takes.
import type { EntityManager } from '../db/orm.ts';

export class Sql {
  readonly text: string;
  readonly values: unknown[];

  constructor(text: string, values: unknown[]) {
    this.text = text;
    this.values = values;
  }
}

/** Builds a query: interpolated Sql fragments are inlined, anything else becomes a parameter. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  let text = strings[0] ?? '';
  const params: unknown[] = [];
  values.forEach((value, index) => {
    if (value instanceof Sql) {
      text += value.text;
      params.push(...value.values);
    } else {
      text += '?';
      params.push(value);
    }
    text += strings[index + 1] ?? '';
  });
  return new Sql(text, params);
}

/** Joins fragments with a separator (e.g. ' and '). */
export function joinSql(parts: Sql[], separator: string): Sql {
  return new Sql(
    parts.map((p) => p.text).join(separator),
    parts.flatMap((p) => p.values),
  );
}

export type Row = Record<string, unknown>;

/** Runs a composed query and returns its rows. */
export async function query<T extends Row = Row>(em: EntityManager, q: Sql): Promise<T[]> {
  return (await em.execute(q.text, q.values)) as T[];
}
