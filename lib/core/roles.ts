/**
 * Roles and what each may do through the control API. A grant is a role held globally or for one
 * model; a request is allowed when one of the principal's grants has a role the action accepts, for
 * the action's model (or globally). The workflow still enforces the approver list, the quorum and
 * separation of duties on top: the `approver` role lets a principal ask, the policy decides.
 *
 * Pure module (the database schema takes its vocabulary from here).
 *
 * @example
 *   allowed([{ role: 'approver', model: 'adult-income' }], 'releases.decide', 'adult-income') === true
 */
export const roles = ['viewer', 'requester', 'approver', 'operator', 'auditor', 'admin'] as const;
export type Role = (typeof roles)[number];

/** What each role is for, for help texts and the README. */
export const roleDescriptions: Record<Role, string> = {
  viewer: 'read models, versions, releases and their evidence',
  requester: 'start releases (and cancel their own); read',
  approver: 'approve or reject releases (the policy must also list them); read',
  operator: 'cancel releases, start and steer rollouts, roll back, start and stop monitors, act on incidents; read',
  auditor: 'read the audit record, verify it, read the access log; read',
  admin: 'everything, including registering policies and managing tokens',
};

const everyone: readonly Role[] = roles;

/** Each API action and the roles that may perform it. */
export const actionRoles = {
  'models.read': everyone,
  'models.register': ['admin'],
  'releases.read': everyone,
  'releases.start': ['requester', 'admin'],
  'releases.decide': ['approver', 'admin'],
  'releases.cancel': ['operator', 'admin'],
  'audit.read': ['auditor', 'admin'],
  'tokens.manage': ['admin'],
  'monitors.read': everyone,
  'monitors.operate': ['operator', 'admin'],
  'incidents.read': everyone,
  'incidents.operate': ['operator', 'admin'],
  'rollouts.read': everyone,
  'rollouts.operate': ['operator', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Action = keyof typeof actionRoles;

/** What an action is, in words: `vera may not <approve or reject releases> of adult-income`. */
export const actionWords: Record<Action, string> = {
  'models.read': 'read models and their evidence',
  'models.register': 'register or change policies',
  'releases.read': 'read releases',
  'releases.start': 'start releases',
  'releases.decide': 'approve or reject releases',
  'releases.cancel': 'cancel releases',
  'audit.read': 'read the audit record and the access log',
  'tokens.manage': 'manage tokens',
  'monitors.read': 'read monitors and their windows',
  'monitors.operate': 'start or stop monitors',
  'incidents.read': 'read incidents and their postmortems',
  'incidents.operate': 'open, acknowledge, work through or resolve incidents',
  'rollouts.read': 'read rollouts',
  'rollouts.operate': 'start, pause, resume, abort or promote rollouts, or roll back',
};

export interface Grant {
  role: Role;
  /** null: every model. */
  model: string | null;
}

/**
 * True when a grant covers `action` on `model` (null: an action on no model in particular, which
 * only global grants cover).
 */
export function allowed(grants: readonly Grant[], action: Action, model: string | null): boolean {
  const accepted = actionRoles[action] as readonly Role[];
  return grants.some((g) => accepted.includes(g.role) && (g.model === null || g.model === model));
}

/** The models a principal may act on for `action`: 'all', or the listed ones. */
export function scopeOf(grants: readonly Grant[], action: Action): 'all' | string[] {
  const accepted = actionRoles[action] as readonly Role[];
  const matching = grants.filter((g) => accepted.includes(g.role));
  if (matching.some((g) => g.model === null)) return 'all';
  return [...new Set(matching.map((g) => g.model!))];
}

/**
 * `approver or admin (for model adult-income or globally)`: what a refused request lacked, for its
 * 403. `model` undefined: the request was refused before its model was known (no grant for any).
 */
export function requiredRoleText(action: Action, model: string | null | undefined): string {
  const accepted = actionRoles[action] as readonly Role[];
  return `${accepted.join(' or ')}${model ? ` (for model ${model} or globally)` : model === null ? ' (global)' : ''}`;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}
