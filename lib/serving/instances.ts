/**
 * What a prediction request's instances may contain, per served version: the version's input
 * columns are required, the model's other contract columns (protected attributes, identifiers the
 * log policy hashes) are allowed, anything else is refused. Types come from the data contract
 * (integer, numeric, categorical, boolean, timestamp); `null` is a missing value, allowed where the
 * contract allows missing values. A refusal names the instance and the column
 * (`instances[3].age`) and says what was wrong.
 */
import { z } from 'zod';
import { StewardError } from '../core/errors';
import type { Table } from '../data/table';
import type { ColumnType } from '../data/types';
import type { Policy } from '../policy/schema';

/** One instance as JSON gives it. */
export type Instance = Record<string, unknown>;

export interface InstanceSchema {
  /** Every column a request may send. */
  allowed: string[];
  /** The columns the version reads (each instance must have them). */
  required: string[];
  /**
   * Checks every instance and returns them as a table of the version's input columns.
   * @throws StewardError InvalidInput located at `instances[i].<column>`
   */
  parse(instances: readonly Instance[]): Table;
}

const typeNames: Record<ColumnType, string> = { numeric: 'a number', integer: 'an integer', categorical: 'a string', boolean: 'true or false', timestamp: 'an ISO 8601 string or epoch milliseconds' };

function valueSchema(type: ColumnType): z.ZodType {
  switch (type) {
    case 'numeric':
      return z.number();
    case 'integer':
      return z.number().int();
    case 'categorical':
      return z.string();
    case 'boolean':
      return z.boolean();
    case 'timestamp':
      return z.union([z.string(), z.number()]);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number') return String(value);
  return typeof value;
}

/**
 * The instance rules for one version of a model.
 *
 * @example
 *   const schema = instanceSchema(policy, scorer.inputColumns);
 *   const table = schema.parse(body.instances); // or a 400 naming instances[i].column
 */
export function instanceSchema(policy: Policy, inputColumns: readonly string[], numericInputs: ReadonlySet<string> = new Set()): InstanceSchema {
  const label = policy.data.label.column;
  const contract = new Map(policy.contract.columns.filter((c) => c.name !== label).map((c) => [c.name, c]));
  const types = new Map<string, ColumnType>();
  const shape: Record<string, z.ZodType> = {};
  const required = new Set(inputColumns);
  for (const name of new Set([...contract.keys(), ...inputColumns])) {
    const rule = contract.get(name);
    const type: ColumnType = rule?.type ?? (numericInputs.has(name) ? 'numeric' : 'categorical');
    types.set(name, type);
    // A column the contract never lets be missing may not be null here either.
    const nullable = rule?.missing?.maxShare !== 0;
    let schema = valueSchema(type);
    if (nullable) schema = schema.nullable();
    shape[name] = required.has(name) ? schema : schema.optional();
  }
  const objectSchema = z.object(shape).strict();
  const allowed = [...types.keys()];

  const refuse = (i: number, column: string | undefined, message: string): never => {
    throw new StewardError('InvalidInput', message, { field: `instances[${i}]${column === undefined ? '' : `.${column}`}` });
  };

  return {
    allowed,
    required: [...inputColumns],
    parse(instances) {
      const n = instances.length;
      for (let i = 0; i < n; i++) {
        const instance = instances[i];
        const result = objectSchema.safeParse(instance);
        if (result.success) continue;
        const issue = result.error.issues[0];
        if (issue.code === 'unrecognized_keys') {
          const column = issue.keys[0];
          if (column === label) refuse(i, column, `is the label column; labels arrive later through POST /v1/models/${policy.model}:label`);
          refuse(i, column, `unknown column (the model's columns: ${allowed.join(', ')})`);
        }
        const column = issue.path.length > 0 ? String(issue.path[0]) : undefined;
        if (column === undefined) refuse(i, undefined, `must be an object of column values, got ${describe(instance)}`);
        const value = (instance as Instance)[column!];
        const type = types.get(column!)!;
        if (value === undefined) refuse(i, column, `missing feature: version needs ${column} (${typeNames[type]})`);
        if (value === null) refuse(i, column, `missing value: the data contract allows no missing ${column}`);
        refuse(i, column, `wrong type: expected ${typeNames[type]}, got ${describe(value)}`);
      }
      const table: Record<string, Float64Array | (string | null)[]> = {};
      for (const name of inputColumns) {
        const type = types.get(name)!;
        if (type === 'categorical') {
          const col = new Array<string | null>(n);
          for (let i = 0; i < n; i++) col[i] = (instances[i][name] as string | null) ?? null;
          table[name] = col;
        } else {
          const col = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const v = instances[i][name];
            col[i] = v === null ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' ? Date.parse(v) : (v as number);
          }
          table[name] = col;
        }
      }
      return table;
    },
  };
}
