// One answer for every destination that cannot be reached (docs/architecture.md invariant 8): an address
// the policy refuses, a closed port, a timeout, a failed DNS lookup and a reset connection all
// read the same to a tenant, so error messages cannot map what listens where. The operator's
// log keeps the difference (DeliveryError.detail).

import { DeliveryError } from '../destination.ts';

export const DESTINATION_UNREACHABLE_MESSAGE =
  'the destination could not be reached from sluice: it is unreachable or not allowed (loopback, private, link-local and metadata addresses are refused unless the operator allows them)';

/** The DeliveryError code of every such failure. Retryable: a network may come back, a policy refusal costs no packet. */
export const DESTINATION_UNREACHABLE = 'ERR_DESTINATION_UNREACHABLE';

/** The code of the error a guarded connection fails with when the policy refuses the address. */
export const ADDRESS_NOT_ALLOWED = 'ERR_DESTINATION_ADDRESS_NOT_ALLOWED';

/** A refused address. Its message names the address: for the operator's log, never for a tenant. */
export class AddressNotAllowedError extends Error {
  readonly code = ADDRESS_NOT_ALLOWED;
  constructor(host: string, address: string, klass: string) {
    super(`${host === address ? address : `${host} (${address})`} is a ${klass} address, which destinations.allow_networks does not allow`);
    this.name = 'AddressNotAllowedError';
  }
}

/** The tenant-facing error for an unreachable destination; `detail` (what happened, where) goes to the operator's log. */
export function unreachableError(detail: string, cause: unknown): DeliveryError {
  return new DeliveryError(DESTINATION_UNREACHABLE, DESTINATION_UNREACHABLE_MESSAGE, true, { cause, detail });
}
