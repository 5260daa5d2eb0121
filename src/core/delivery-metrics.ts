// What delivery reports per batch and per upload attempt. Core declares it and telemetry's
// SluiceMetrics implements it, so core never imports the metrics registry above it.

export type UploadOutcome = 'success' | 'retryable_error' | 'fatal_error';

/** The batch-level emitters delivery calls; NO_DELIVERY_METRICS when no metrics are kept. */
export interface DeliveryMetrics {
  /** A batch was sealed and handed to delivery. */
  batchSealed(destinationType: string, records: number, bytes: number): void;
  /** A batch was encoded: bytes before and after compression. */
  batchEncoded(destinationType: string, compression: string, bytesIn: number, bytesOut: number, workerSeconds: number): void;
  /** One upload attempt ended. */
  uploadFinished(destinationType: string, outcome: UploadOutcome, seconds: number): void;
  /** A failed upload will be retried. `errorCode` is an ERR_* code. */
  deliveryRetried(destinationType: string, errorCode: string): void;
}

export const NO_DELIVERY_METRICS: DeliveryMetrics = {
  batchSealed() {},
  batchEncoded() {},
  uploadFinished() {},
  deliveryRetried() {},
};
