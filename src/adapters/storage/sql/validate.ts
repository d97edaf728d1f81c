import { GovError } from '../../../core/errors.js';

/** Reject a page size outside `1..max` with GOV_VALIDATION (the port states the ranges). */
export function checkLimit(limit: number, max: number, what: string): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new GovError('GOV_VALIDATION', `${what}: limit must be an integer from 1 to ${max}, got ${String(limit)}`, {
      details: { field: 'limit', min: 1, max, value: limit },
    });
  }
}
