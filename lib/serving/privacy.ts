/**
 * What the prediction log keeps of a request, by the model's logging policy: each input column is
 * kept, dropped, hashed (HMAC-SHA256 under a secret that lives in the environment, never in the
 * database) or generalised (numbers to buckets, categories outside a list to `other`). Protected
 * attributes and personal columns are dropped unless the policy names a rule for them. The request
 * key is always stored as a keyed hash: erasure by key (`steward forget`) recomputes it.
 *
 * The same transform runs before a row is spooled or buffered, so no clear personal value reaches
 * the gateway's spool files or the database.
 */
import { createHmac } from 'node:crypto';
import type { ColumnLogRule, Policy } from '../policy/schema';

export type LogRule = Exclude<ColumnLogRule, 'keep'> | 'keep';

export interface LogTransform {
  /** The rule applied to each allowed column. */
  rules: Record<string, LogRule>;
  /** The instance as it may be logged. */
  apply(instance: Record<string, unknown>): Record<string, unknown>;
}

/** `hmac:` and 32 hex digits (128 bits): joinable, not reversible without the secret. */
function hmac(secret: Uint8Array, text: string): string {
  return `hmac:${createHmac('sha256', secret).update(text).digest('hex').slice(0, 32)}`;
}

/**
 * The stored form of a request key for a model.
 *
 * @example hashRequestKey(secret, 'adult-income', 'customer-42') // 'hmac:3f1c...'
 */
export function hashRequestKey(secret: Uint8Array, model: string, key: string): string {
  return hmac(secret, `${model}\u0000key\u0000${key}`);
}

function generalizeNumber(value: number, width: number): string {
  const lo = Math.floor(value / width) * width;
  if (Number.isInteger(value) && Number.isInteger(width)) return width === 1 ? String(lo) : `${lo}-${lo + width - 1}`;
  return `[${lo}, ${lo + width})`;
}

/**
 * The rule of each column under a policy: the policy's own rule, else `drop` for protected
 * attributes and personal columns, else `keep`.
 *
 * @example logRules(policy, ['age', 'sex']) // { age: { generalize: { width: 10 } }, sex: 'drop' }
 */
export function logRules(policy: Policy, columns: readonly string[]): Record<string, LogRule> {
  const sensitive = new Set([...policy.data.protectedAttributes, ...policy.data.personal]);
  const rules: Record<string, LogRule> = {};
  for (const column of columns) rules[column] = policy.logging.columns[column] ?? (sensitive.has(column) ? 'drop' : 'keep');
  return rules;
}

/**
 * The transform of a model's instances for its prediction log.
 *
 * @example
 *   const t = logTransform(policy, ['age', 'customer-email'], secret);
 *   t.apply({ age: 37, 'customer-email': 'a@b.c' }); // { age: '30-39', 'customer-email': 'hmac:...' }
 */
export function logTransform(policy: Policy, columns: readonly string[], secret: Uint8Array): LogTransform {
  const rules = logRules(policy, columns);
  const steps: ((instance: Record<string, unknown>, out: Record<string, unknown>) => void)[] = [];
  for (const [column, rule] of Object.entries(rules)) {
    if (rule === 'drop') continue;
    if (rule === 'keep') {
      steps.push((i, o) => {
        if (column in i) o[column] = i[column];
      });
    } else if (rule === 'hash') {
      // The column name is part of the message: equal values in two columns do not hash alike.
      const prefix = `${policy.model}\u0000${column}\u0000`;
      steps.push((i, o) => {
        const v = i[column];
        if (v !== undefined) o[column] = v === null ? null : hmac(secret, prefix + String(v));
      });
    } else if ('width' in rule.generalize) {
      const { width } = rule.generalize;
      steps.push((i, o) => {
        const v = i[column];
        if (v !== undefined) o[column] = typeof v === 'number' && Number.isFinite(v) ? generalizeNumber(v, width) : null;
      });
    } else {
      const keep = new Set(rule.generalize.keep);
      const other = rule.generalize.other;
      steps.push((i, o) => {
        const v = i[column];
        if (v !== undefined) o[column] = v === null ? null : keep.has(String(v)) ? v : other;
      });
    }
  }
  return {
    rules,
    apply(instance) {
      const out: Record<string, unknown> = {};
      for (const step of steps) step(instance, out);
      return out;
    },
  };
}
