// Which schemes a job's destination_conf may name, and how long it may be: part of a job's shape
// (schema.ts, the API's OpenAPI). The destinations' own parsers check the rest of it
// (validation/destination-conf.ts), which is why that check sits above src/destinations/.

export const DESTINATION_SCHEMES = ['s3', 'r2', 'gs', 'https', 'http', 'splunk', 'datadog', 'sumo', 'sentinelone', 'ibmcl', 'file', 'azure'] as const;
export type DestinationScheme = (typeof DESTINATION_SCHEMES)[number];

/** Logpush's limit on destination_conf length. */
export const MAX_DESTINATION_CONF_CHARS = 4096;
