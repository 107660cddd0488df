/**
 * Signed sign-off decisions. The control API holds an Ed25519 key pair; a release started through it
 * carries the public key in its input (`decisionKey`), and from then on its workflow accepts only
 * decisions signed with that key over the release id, the principal, the decision, a hash of the
 * comment and the API's clock. Anyone who can reach Temporal can still send the `approve` Update, but
 * without the API's secret key they cannot produce a decision the workflow accepts, nor reuse one
 * for another release, principal, decision or comment, nor replay one later than the time window.
 *
 * Pure, synchronous and deterministic (@noble/ed25519 with @noble/hashes' SHA-512, no Node built-in,
 * no Web Crypto): the workflow's update validator imports it.
 */
import { hashes, sign, verify } from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { normalizePrincipal } from '../core/identity';

// In a worker's workflow sandbox this is already done, before the sandbox froze @noble/ed25519 to
// share it between workflows (workflows/shared-modules.ts); writing it again would throw there.
if (hashes.sha512 !== sha512) hashes.sha512 = sha512;

/** How far a decision's signing time may be from the workflow's clock (API and Temporal clocks, network, queueing). */
export const DECISION_WINDOW_MS = 5 * 60_000;

/** An Ed25519 public key as a release carries it: 64 lowercase hex digits. */
export const publicKeyPattern = /^[0-9a-f]{64}$/;

/** What the API signs, besides the decision input's principal and comment. */
export interface DecisionSignature {
  /** The API's clock when it signed (ISO 8601). */
  at: string;
  /** Ed25519 signature, 128 hex digits. */
  value: string;
}

export interface SignedFields {
  releaseId: string;
  principal: string;
  decision: 'approve' | 'reject';
  comment: string;
  at: string;
}

/** sha256 of the comment (hex): the comment itself can be long; its hash is what is signed. */
export function commentDigest(comment: string): string {
  return bytesToHex(sha256(utf8ToBytes(comment)));
}

/**
 * The exact bytes signed: one field per line, the principal normalised so that `Bob` and `bob` are
 * one signer, a version tag so the format can change without ambiguity.
 *
 * @example decisionMessage({ releaseId: 'release-m-20261103-4f2a9c', principal: 'Bob', decision: 'approve', comment: '', at: '2026-11-03T10:00:00.000Z' })
 */
export function decisionMessage(f: SignedFields): Uint8Array {
  return utf8ToBytes(['steward-decision-v1', f.releaseId, normalizePrincipal(f.principal), f.decision, commentDigest(f.comment), f.at].join('\n'));
}

/**
 * Signs a decision with the API's secret key (32 bytes).
 *
 * @example const signature = signDecision(secretKey, { releaseId, principal: 'bob', decision: 'approve', comment: 'ok', at: new Date().toISOString() });
 */
export function signDecision(secretKey: Uint8Array, f: SignedFields): DecisionSignature {
  return { at: f.at, value: bytesToHex(sign(decisionMessage(f), secretKey)) };
}

/**
 * Why a decision is not acceptable for a release that carries `publicKeyHex`, or undefined when it is:
 * signed by that key over these exact fields, at a time within the window around `nowMs`.
 */
export function decisionSignatureProblem(
  publicKeyHex: string,
  f: Omit<SignedFields, 'at'>,
  signature: DecisionSignature | undefined,
  nowMs: number,
  windowMs = DECISION_WINDOW_MS,
): string | undefined {
  if (!signature) return `release ${f.releaseId} accepts only decisions signed by the Steward API (this one is unsigned)`;
  const atMs = Date.parse(signature.at);
  if (!Number.isFinite(atMs)) return `the decision's signing time "${signature.at}" is not a time`;
  let valid = false;
  try {
    valid = /^[0-9a-f]{128}$/.test(signature.value) && verify(hexToBytes(signature.value), decisionMessage({ ...f, at: signature.at }), hexToBytes(publicKeyHex));
  } catch {
    valid = false;
  }
  if (!valid) return `the decision's signature does not match release ${f.releaseId}, principal ${f.principal}, decision ${f.decision} and its comment with the API's key (forged or altered)`;
  const skew = Math.abs(nowMs - atMs);
  if (skew > windowMs) {
    return `the decision was signed at ${signature.at}, ${Math.round(skew / 1000)} s from the release's clock (allowed: ${windowMs / 1000} s); a replayed or delayed decision is refused`;
  }
  return undefined;
}
