/**
 * After an ambiguous create on an ERP that does not refuse duplicates itself, how long the ERP may
 * still commit it when its adapter names no figure (ErpCapabilities.settleMs): Infor ION's gateway
 * keeps a request for up to 60 s after the client gave up, the longest any supported ERP documents.
 */
export const DEFAULT_SETTLE_MS = 60_000;

/**
 * The longest wait a Retry-After (or an ERP's "not before" date) may impose on a run, unless Max Delay
 * is longer: a run parked for hours holds its keys In Progress; past it, the invoice leaves by Failed as
 * RETRY with the ERP's date, for a later run.
 */
export const RETRY_AFTER_CEILING_MS = 60_000;
