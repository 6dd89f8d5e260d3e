/**
 * Builds a parameterised WHERE clause from optional filters: values always travel as query
 * parameters, and only SQL written in this code (column names, operators) becomes text.
 */
export class WhereClause {
  private readonly conditions: string[] = [];
  readonly values: unknown[] = [];

  /** Adds `column operator $n` when value is defined. */
  add(column: string, operator: '=' | '>=' | '<=', value: unknown, cast = ''): this {
    if (value === undefined) return this;
    this.values.push(value);
    this.conditions.push(`${column} ${operator} $${this.values.length}${cast}`);
    return this;
  }

  /** The clause (empty when there is no filter). */
  toString(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }

  /** `LIMIT $n OFFSET $m` for a page, and the values to pass with it and the filters. */
  paged(page: Page): { sql: string; values: unknown[] } {
    const n = this.values.length;
    return {
      sql: `LIMIT $${n + 1} OFFSET $${n + 2}`,
      values: [...this.values, page.limit, (page.page - 1) * page.limit],
    };
  }
}

export interface Page {
  page: number;
  limit: number;
}
