// The ownership challenge for HTTP destinations that Logpush asks one of: Sumo Logic. There is
// no file to write: the token is POSTed to the HTTP source like a log line, and whoever can
// search that source (Sumo's Live Tail shows it at once) reads it back.

import type { NetworkPolicy } from '../net/network-policy.ts';
import { postOnce } from './post-once.ts';

const CHALLENGED_HTTP = /^sumo:/i;

/** Whether destination_conf is an HTTP destination whose ownership is proven by a POST. */
export function isHttpOwnershipDestination(conf: string): boolean {
  return CHALLENGED_HTTP.test(conf);
}

/** Sends the token as one line; resolves with the file name the API reports. Throws a redacted DeliveryError. */
export async function writeHttpOwnershipChallenge(conf: string, file: { name: string; content: string }, options: { network: NetworkPolicy }): Promise<{ filename: string }> {
  await postOnce(conf, { network: options.network }, `${file.content}\n`, 'ownership');
  return { filename: file.name };
}
