// Logpush response envelopes: {success, errors, messages, result}, as Cloudflare's v4 API
// returns them, so existing clients parse sluice's answers unchanged.

import type { ApiErrorItem } from './errors.ts';

export interface Envelope<T = unknown> {
  success: boolean;
  errors: ApiErrorItem[];
  messages: ApiErrorItem[];
  result: T | null;
}

export function okEnvelope<T>(result: T, messages: ApiErrorItem[] = []): Envelope<T> {
  return { success: true, errors: [], messages, result };
}

export function errorEnvelope(errors: readonly ApiErrorItem[]): Envelope<null> {
  return { success: false, errors: [...errors], messages: [], result: null };
}
