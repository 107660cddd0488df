/**
 * Anchors of the audit chain outside the database. The hash chain alone shows an edited event, but
 * someone who can write the database can also delete the newest events, or rewrite a suffix of the
 * chain and recompute its hashes, and the chain is intact again. An anchor is a copy of the chain's
 * head (sequence number and hash) kept where the database's administrator cannot rewrite it; the
 * verifier checks that the record still contains each anchored head.
 *
 * - The signed head (this module): after every audited write, the writer signs the head with the
 *   audit key (lib/identity/keys.ts: never in the database) and stores it in the artifact store as the
 *   ref `audit-head`. It catches deleting the newest events (or all of them) and rewriting any suffix
 *   that includes the anchored event. It can be defeated only by someone who holds the audit key or
 *   can roll the artifact store back: in production, put the store on write-once storage (object
 *   lock) or hold the key in a KMS.
 * - The release workflow's history (lib/audit/temporal.ts): the registry activities return the head
 *   after their write, so each release's history in Temporal records heads, signed by nobody but kept
 *   by a different system with its own administrators.
 */
import { sql } from 'drizzle-orm';
import { hashes, sign, verify } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { StewardDb } from '../../db/client';
import { advisoryLocks } from '../../db/locks';
import type { ArtifactStore } from '../runtime/artifacts';
import { auditHead, type AuditHead } from '../registry/audit';

/** The artifact-store ref that holds the signed head. */
export const anchorRef = 'audit-head';

hashes.sha512 = sha512;

export interface SignedHead extends AuditHead {
  /** When it was signed (ISO 8601). */
  at: string;
  /** The audit key's public half (hex), for reference: verifiers check against the key they trust. */
  publicKey: string;
  /** Ed25519 over `steward-audit-head-v1`, seq, hash and time. */
  signature: string;
}

const message = (h: { seq: number; hash: string; at: string }) => utf8ToBytes(['steward-audit-head-v1', String(h.seq), h.hash, h.at].join('\n'));

export interface AuditAnchor {
  /** Signs the current head and stores it, unless the stored one is newer; returns the current head. */
  update(db: StewardDb): Promise<AuditHead>;
  read(): Promise<SignedHead | undefined>;
  publicKeyHex: string;
}

/**
 * @example
 *   const anchor = createAuditAnchor(artifacts, loadOrCreateKey(home, 'audit')); // lib/identity/keys.ts
 *   await db.transaction(...); // a change and its audit event
 *   await anchor.update(db);
 */
export function createAuditAnchor(store: ArtifactStore, key: { secretKey: Uint8Array; publicKeyHex: string }): AuditAnchor {
  return {
    publicKeyHex: key.publicKeyHex,
    async update(db) {
      // Under the audit lock, so the head read is the newest and two writers never store heads out of order.
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${advisoryLocks.audit})`);
        const head = await auditHead(tx);
        const stored = await store.getRef<SignedHead>(anchorRef);
        // A stored head ahead of the record means events were deleted: keep it, for the verifier to report.
        if (stored && stored.seq >= head.seq) return head;
        const at = new Date().toISOString();
        const signature = bytesToHex(sign(message({ ...head, at }), key.secretKey));
        await store.setRef(anchorRef, { ...head, at, publicKey: key.publicKeyHex, signature } satisfies SignedHead);
        return head;
      });
    },
    read: () => store.getRef<SignedHead>(anchorRef),
  };
}

/** True when `head` was signed by the holder of `publicKeyHex`. */
export function signedHeadValid(head: SignedHead, publicKeyHex: string): boolean {
  try {
    return /^[0-9a-f]{128}$/.test(head.signature) && verify(hexToBytes(head.signature), message(head), hexToBytes(publicKeyHex));
  } catch {
    return false;
  }
}
