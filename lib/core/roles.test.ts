import { describe, expect, it } from 'vitest';
import { actionRoles, allowed, requiredRoleText, roles, scopeOf, type Action } from './roles';

describe('roles', () => {
  it('give each role exactly the writes its name says', () => {
    const writes: Action[] = ['models.register', 'releases.start', 'releases.decide', 'releases.cancel', 'tokens.manage', 'monitors.operate', 'incidents.operate', 'rollouts.operate'];
    const table = Object.fromEntries(roles.map((r) => [r, writes.filter((a) => allowed([{ role: r, model: null }], a, 'm'))]));
    expect(table).toEqual({
      viewer: [],
      requester: ['releases.start'],
      approver: ['releases.decide'],
      operator: ['releases.cancel', 'monitors.operate', 'incidents.operate', 'rollouts.operate'],
      auditor: [],
      admin: writes,
    });
    for (const r of roles) for (const read of ['models.read', 'monitors.read', 'incidents.read', 'rollouts.read'] as const) expect(allowed([{ role: r, model: null }], read, 'm')).toBe(true);
    expect(roles.filter((r) => allowed([{ role: r, model: null }], 'audit.read', null))).toEqual(['auditor', 'admin']);
  });

  it('hold a model-scoped role for that model only, and never for actions on no model', () => {
    const grants = [{ role: 'approver' as const, model: 'adult-income' }];
    expect(allowed(grants, 'releases.decide', 'adult-income')).toBe(true);
    expect(allowed(grants, 'releases.decide', 'credit-risk')).toBe(false);
    expect(allowed([{ role: 'admin', model: 'adult-income' }], 'tokens.manage', null)).toBe(false);
    expect(scopeOf(grants, 'models.read')).toEqual(['adult-income']);
    expect(scopeOf([...grants, { role: 'viewer', model: null }], 'models.read')).toBe('all');
    expect(scopeOf(grants, 'audit.read')).toEqual([]);
  });

  it('name the role a refused request needed', () => {
    expect(requiredRoleText('releases.decide', 'adult-income')).toBe('approver or admin (for model adult-income or globally)');
    expect(requiredRoleText('tokens.manage', null)).toBe('admin (global)');
    expect(requiredRoleText('releases.decide', undefined)).toBe('approver or admin');
    expect(Object.keys(actionRoles)).toContain('releases.cancel');
  });
});
