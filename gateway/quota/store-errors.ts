let storeErrors = 0;

/** Counts one failed quota store call (Redis unreachable, slow or erroring). */
export function countQuotaStoreError(): void {
  storeErrors += 1;
}

/**
 * Quota store failures since the process started (all gateways in it), for metrics
 * (`atrium_quota_store_errors_total`).
 *
 * @example
 * quotaStoreErrorCount(); // 0 while Redis answers
 */
export function quotaStoreErrorCount(): number {
  return storeErrors;
}
