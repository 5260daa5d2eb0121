// The legacy Logpush `logpull_options` string ("fields=A,B&timestamps=rfc3339&CVE-2021-44228=true"),
// translated into the equivalent output_options input so one code path validates both. Logpush
// also takes the whole Logpull call it replaces ("copy the url (full url or just the query
// string)", its API schema says), and sets that call's start and end times itself.

import { didYouMean, quote } from './problem-text.ts';

export interface LogpullTranslation {
  /** An output_options input object (field_names, timestamp_format, sample_rate, CVE-2021-44228). */
  options: Record<string, unknown>;
  /** Problems with the string itself, as sentences (the caller knows the path). */
  problems: string[];
}

const PARAMETERS = ['fields', 'timestamps', 'sample', 'CVE-2021-44228'] as const;
/** Logpull's time window: a push job delivers every record as it comes, so Logpush replaces them. */
const WINDOW_PARAMETERS: ReadonlySet<string> = new Set(['start', 'end']);
const LOGPULL_URL = /^https?:\/\//i;
const LOGPULL_PATH = /\/logs\/received\/?$/;

/** Which output_options key each logpull parameter becomes (and back, for messages). */
export const LOGPULL_TO_OUTPUT: Readonly<Record<string, string>> = {
  fields: 'field_names',
  timestamps: 'timestamp_format',
  sample: 'sample_rate',
  'CVE-2021-44228': 'CVE-2021-44228',
};

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The query string of `text`: itself, after a leading '?', or that of a full Logpull URL. */
function queryOf(text: string, problems: string[]): string {
  if (!LOGPULL_URL.test(text)) return text.startsWith('?') ? text.slice(1) : text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push('is not a valid URL; give the query string ("fields=A,B&timestamps=rfc3339") or a whole Logpull URL');
    return '';
  }
  if (!LOGPULL_PATH.test(url.pathname)) {
    problems.push('a URL here must be a Logpull call, https://api.cloudflare.com/client/v4/zones/<zone>/logs/received?fields=…');
    return '';
  }
  return url.search.slice(1);
}

export function parseLogpullOptions(text: string): LogpullTranslation {
  const options: Record<string, unknown> = {};
  const problems: string[] = [];
  const query = queryOf(text, problems);
  if (query.trim() === '') return { options, problems };
  const seen = new Set<string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = decode(equals < 0 ? '' : pair.slice(equals + 1));
    if (name === undefined || value === undefined) {
      problems.push(`${quote(pair)} is not valid URL encoding`);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`parameter ${quote(name)} is given more than once`);
      continue;
    }
    seen.add(name);
    if (WINDOW_PARAMETERS.has(name)) continue;
    switch (name) {
      case 'fields':
        options.field_names = value.split(',').map((f) => f.trim()).filter((f) => f !== '');
        break;
      case 'timestamps':
        options.timestamp_format = value;
        break;
      case 'sample': {
        const rate = value.trim() === '' ? Number.NaN : Number(value);
        if (Number.isNaN(rate)) problems.push(`sample must be a number in (0, 1]; got ${quote(value)}`);
        else options.sample_rate = rate;
        break;
      }
      case 'CVE-2021-44228':
        if (value === 'true' || value === 'false') options['CVE-2021-44228'] = value === 'true';
        else problems.push(`CVE-2021-44228 must be true or false; got ${quote(value)}`);
        break;
      case 'count':
        problems.push('count limits one Logpull response; a push job delivers every record: remove it');
        break;
      default:
        problems.push(`unknown parameter ${quote(name)}${didYouMean(name, PARAMETERS)} Known parameters: ${PARAMETERS.join(', ')}`);
    }
  }
  return { options, problems };
}
