/** The append-only, hash-chained audit log: who changed what, when, from where. */
export { AuditService, type AuditEntry, type AuditRecord, type AuditQuery, type VerifyResult } from './audit-service.js';
export { recordHash, GENESIS_HASH, type AuditFields } from './audit-chain.js';
