// Which job destinations must bring an ownership challenge when a job is created or moved to
// them. Logpush's ownership FAQ and its S3-compatible and R2 pages: Amazon S3 and Google Cloud
// Storage need one; R2 and S3-compatible stores (s3:// with endpoint=) do not, because the
// tenant's own access keys in destination_conf already prove it may write there.

import { parseDestinationConf } from '../destinations/destination-conf.ts';
import { needsOwnershipChallenge } from './ownership.ts';

export function challengeRequired(destinationConf: unknown): boolean {
  if (!needsOwnershipChallenge(destinationConf)) return false;
  let conf;
  try {
    conf = parseDestinationConf(destinationConf as string);
  } catch {
    return true; // validation refuses it anyway; a conf that does not parse never skips the challenge
  }
  if (conf.scheme === 'r2') return false; // an r2: destination always carries the tenant's keys (s3/config.ts)
  if (conf.scheme !== 's3') return true;
  // An S3-compatible endpoint without keys would be written with sluice's own default
  // credentials, which prove nothing about the tenant: it still needs a challenge.
  const ownKeys = Boolean(conf.params['access-key-id']) && Boolean(conf.params['secret-access-key']);
  return !(Boolean(conf.params.endpoint) && ownKeys);
}
