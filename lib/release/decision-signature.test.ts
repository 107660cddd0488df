import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyPairFromHex } from '../identity/keys';
import { decisionMessage, decisionSignatureProblem, DECISION_WINDOW_MS, signDecision } from './decision-signature';

const key = keyPairFromHex('decision', randomBytes(32).toString('hex'), 'test');
const other = keyPairFromHex('decision', randomBytes(32).toString('hex'), 'test');
const now = Date.parse('2026-11-03T10:00:00.000Z');
const fields = { releaseId: 'release-adult-income-20261103-4f2a9c', principal: 'ravi.risk', decision: 'approve' as const, comment: 'fairness report reviewed' };
const signature = signDecision(key.secretKey, { ...fields, at: new Date(now).toISOString() });

describe('signed sign-off decisions', () => {
  it('verifies a decision signed by the key over exactly these fields, at a time within the window', () => {
    expect(signature.value).toMatch(/^[0-9a-f]{128}$/);
    expect(decisionSignatureProblem(key.publicKeyHex, fields, signature, now)).toBeUndefined();
    expect(decisionSignatureProblem(key.publicKeyHex, fields, signature, now + DECISION_WINDOW_MS)).toBeUndefined();
  });

  it('treats principals case-insensitively, as the workflow does', () => {
    expect(decisionSignatureProblem(key.publicKeyHex, { ...fields, principal: 'Ravi.Risk' }, signature, now)).toBeUndefined();
  });

  it('refuses a missing signature, another key, and any changed field', () => {
    expect(decisionSignatureProblem(key.publicKeyHex, fields, undefined, now)).toMatch(/accepts only decisions signed by the Steward API/);
    expect(decisionSignatureProblem(other.publicKeyHex, fields, signature, now)).toMatch(/forged or altered/);
    for (const changed of [{ releaseId: 'release-adult-income-20261103-000000' }, { principal: 'mallory' }, { decision: 'reject' as const }, { comment: 'fairness report reviewed.' }]) {
      expect(decisionSignatureProblem(key.publicKeyHex, { ...fields, ...changed }, signature, now), JSON.stringify(changed)).toMatch(/forged or altered/);
    }
    expect(decisionSignatureProblem(key.publicKeyHex, fields, { ...signature, at: new Date(now + 1).toISOString() }, now)).toMatch(/forged or altered/);
    expect(decisionSignatureProblem(key.publicKeyHex, fields, { ...signature, value: signature.value.replace(/^./, (c) => (c === '0' ? '1' : '0')) }, now)).toMatch(/forged or altered/);
  });

  it('refuses a genuine signature outside the window around the release clock, and says so', () => {
    expect(decisionSignatureProblem(key.publicKeyHex, fields, signature, now + DECISION_WINDOW_MS + 1)).toMatch(/300 s from the release's clock.*replayed or delayed/);
    expect(decisionSignatureProblem(key.publicKeyHex, fields, signature, now - DECISION_WINDOW_MS - 1000)).toMatch(/replayed or delayed/);
  });

  it('reports malformed signatures and times as problems instead of throwing', () => {
    expect(decisionSignatureProblem(key.publicKeyHex, fields, { at: 'yesterday', value: signature.value }, now)).toMatch(/is not a time/);
    expect(decisionSignatureProblem(key.publicKeyHex, fields, { at: signature.at, value: 'zz' }, now)).toMatch(/forged or altered/);
  });

  it('signs one line per field with a version tag and the comment hashed', () => {
    const text = new TextDecoder().decode(decisionMessage({ ...fields, principal: 'Ravi.Risk', at: signature.at }));
    expect(text.split('\n')).toEqual(['steward-decision-v1', fields.releaseId, 'ravi.risk', 'approve', expect.stringMatching(/^[0-9a-f]{64}$/), signature.at]);
  });
});
