// Static value pools for the http_requests generator: places, user agents, resources and
// response outcomes that look like real Cloudflare traffic. The generator combines them with
// seeded, skewed (Zipf-like) popularity so that compression ratios match real logs.
// Values are plain data; http-requests.ts turns them into pre-escaped JSON fragments once.

/** A client location: country (lowercase ISO, as Cloudflare logs it), city, data center. */
export interface Place {
  country: string;
  city: string;
  colo: string;
  coloId: number;
  asns: readonly number[];
  acceptLanguage: string;
}

// Ordered by popularity (the generator applies Zipf weights by position).
export const PLACES: readonly Place[] = [
  { country: 'us', city: 'Ashburn', colo: 'IAD', coloId: 30, asns: [7922, 701, 14618], acceptLanguage: 'en-US,en;q=0.9' },
  { country: 'us', city: 'San Francisco', colo: 'SJC', coloId: 17, asns: [7922, 7018, 21928], acceptLanguage: 'en-US,en;q=0.9' },
  { country: 'gb', city: 'London', colo: 'LHR', coloId: 19, asns: [2856, 5089, 5607], acceptLanguage: 'en-GB,en;q=0.9' },
  { country: 'de', city: 'Frankfurt am Main', colo: 'FRA', coloId: 21, asns: [3320, 6805, 24940], acceptLanguage: 'de-DE,de;q=0.9,en;q=0.8' },
  { country: 'in', city: 'Mumbai', colo: 'BOM', coloId: 64, asns: [55836, 45609, 24560], acceptLanguage: 'en-IN,en;q=0.9,hi;q=0.8' },
  { country: 'us', city: 'New York', colo: 'EWR', coloId: 14, asns: [7922, 701, 20115], acceptLanguage: 'en-US,en;q=0.9' },
  { country: 'br', city: 'São Paulo', colo: 'GRU', coloId: 58, asns: [28573, 18881, 26599], acceptLanguage: 'pt-BR,pt;q=0.9,en;q=0.8' },
  { country: 'fr', city: 'Paris', colo: 'CDG', coloId: 23, asns: [3215, 12322, 5410], acceptLanguage: 'fr-FR,fr;q=0.9,en;q=0.8' },
  { country: 'jp', city: 'Tokyo', colo: 'NRT', coloId: 38, asns: [2516, 17676, 4713], acceptLanguage: 'ja-JP,ja;q=0.9' },
  { country: 'us', city: 'Dallas', colo: 'DFW', coloId: 12, asns: [7018, 20057, 7922], acceptLanguage: 'en-US,en;q=0.9,es;q=0.8' },
  { country: 'nl', city: 'Amsterdam', colo: 'AMS', coloId: 25, asns: [1136, 33915, 60781], acceptLanguage: 'nl-NL,nl;q=0.9,en;q=0.8' },
  { country: 'sg', city: 'Singapore', colo: 'SIN', coloId: 41, asns: [7473, 9506, 55430], acceptLanguage: 'en-SG,en;q=0.9' },
  { country: 'ca', city: 'Toronto', colo: 'YYZ', coloId: 48, asns: [577, 812, 6327], acceptLanguage: 'en-CA,en;q=0.9,fr;q=0.8' },
  { country: 'au', city: 'Sydney', colo: 'SYD', coloId: 44, asns: [1221, 4804, 7545], acceptLanguage: 'en-AU,en;q=0.9' },
  { country: 'kr', city: 'Seoul', colo: 'ICN', coloId: 52, asns: [4766, 9318, 3786], acceptLanguage: 'ko-KR,ko;q=0.9,en;q=0.8' },
  { country: 'id', city: 'Jakarta', colo: 'CGK', coloId: 71, asns: [7713, 23693, 17974], acceptLanguage: 'id-ID,id;q=0.9,en;q=0.8' },
  { country: 'mx', city: 'Mexico City', colo: 'MEX', coloId: 77, asns: [8151, 28548], acceptLanguage: 'es-MX,es;q=0.9,en;q=0.8' },
  { country: 'es', city: 'Madrid', colo: 'MAD', coloId: 33, asns: [3352, 12479, 12430], acceptLanguage: 'es-ES,es;q=0.9' },
  { country: 'pl', city: 'Warsaw', colo: 'WAW', coloId: 36, asns: [5617, 12741], acceptLanguage: 'pl-PL,pl;q=0.9,en;q=0.8' },
  { country: 'it', city: 'Milan', colo: 'MXP', coloId: 34, asns: [3269, 30722], acceptLanguage: 'it-IT,it;q=0.9,en;q=0.8' },
  { country: 'za', city: 'Johannesburg', colo: 'JNB', coloId: 81, asns: [37457, 3741], acceptLanguage: 'en-ZA,en;q=0.9' },
  { country: 'ru', city: 'Moscow', colo: 'DME', coloId: 90, asns: [12389, 8359], acceptLanguage: 'ru-RU,ru;q=0.9,en;q=0.8' },
  { country: 'ng', city: 'Lagos', colo: 'LOS', coloId: 95, asns: [29465, 37148], acceptLanguage: 'en-NG,en;q=0.9' },
  { country: 'vn', city: 'Hanoi', colo: 'HAN', coloId: 99, asns: [7552, 45899], acceptLanguage: 'vi-VN,vi;q=0.9,en;q=0.8' },
];

export type BotKind = 'human' | 'verified' | 'automated';

export interface Agent {
  ua: string;
  device: 'desktop' | 'mobile' | 'tablet';
  kind: BotKind;
  /** VerifiedBotCategory for verified bots. */
  category: string;
  protocol: 'HTTP/1.1' | 'HTTP/2' | 'HTTP/3';
  /** For verified bots: where their traffic comes from (ASN and IPv4 prefix). */
  home?: { asn: number; prefix: string; place: number };
}

// Ordered by popularity. A couple carry a quote or a backslash, as real (hostile or buggy)
// clients send, so encoders must escape them.
export const AGENTS: readonly Agent[] = [
  { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', device: 'desktop', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', device: 'mobile', kind: 'human', category: '', protocol: 'HTTP/3' },
  { ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36', device: 'mobile', kind: 'human', category: '', protocol: 'HTTP/3' },
  { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', device: 'desktop', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', device: 'desktop', kind: 'verified', category: 'Search Engine Crawler', protocol: 'HTTP/1.1', home: { asn: 15169, prefix: '66.249.', place: 1 } },
  { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0', device: 'desktop', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', device: 'desktop', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0', device: 'desktop', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'okhttp/4.12.0', device: 'mobile', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'curl/8.7.1', device: 'desktop', kind: 'automated', category: '', protocol: 'HTTP/1.1' },
  { ua: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', device: 'tablet', kind: 'human', category: '', protocol: 'HTTP/3' },
  { ua: 'python-requests/2.32.3', device: 'desktop', kind: 'automated', category: '', protocol: 'HTTP/1.1' },
  { ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', device: 'desktop', kind: 'verified', category: 'Search Engine Crawler', protocol: 'HTTP/1.1', home: { asn: 8075, prefix: '40.77.', place: 0 } },
  { ua: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36', device: 'mobile', kind: 'human', category: '', protocol: 'HTTP/3' },
  { ua: 'Go-http-client/2.0', device: 'desktop', kind: 'automated', category: '', protocol: 'HTTP/2' },
  { ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36', device: 'desktop', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', device: 'desktop', kind: 'verified', category: 'Search Engine Optimization', protocol: 'HTTP/1.1', home: { asn: 16276, prefix: '54.36.', place: 7 } },
  { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 "Release"', device: 'desktop', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0]', device: 'mobile', kind: 'human', category: '', protocol: 'HTTP/2' },
  { ua: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', device: 'desktop', kind: 'verified', category: 'Page Preview', protocol: 'HTTP/1.1', home: { asn: 32934, prefix: '69.171.', place: 1 } },
  { ua: 'Apache-HttpClient/4.5.14 (Java/17.0.11)', device: 'desktop', kind: 'automated', category: '', protocol: 'HTTP/1.1' },
  { ua: 'Mozilla/5.0 (Windows NT 6.1; WOW64) C:\\Program Files\\Agent\\agent.exe/3.1', device: 'desktop', kind: 'automated', category: '', protocol: 'HTTP/1.1' },
  { ua: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36', device: 'mobile', kind: 'human', category: '', protocol: 'HTTP/3' },
  { ua: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', device: 'desktop', kind: 'verified', category: 'Page Preview', protocol: 'HTTP/1.1', home: { asn: 16509, prefix: '3.89.', place: 0 } },
  { ua: '', device: 'desktop', kind: 'automated', category: '', protocol: 'HTTP/1.1' },
  { ua: 'Mozilla/5.0 zgrab/0.x', device: 'desktop', kind: 'automated', category: '', protocol: 'HTTP/1.1' },
];

/** How a resource is served; decides the outcome table and sizes. */
export type ResourceKind = 'page' | 'static' | 'image' | 'api' | 'apiWrite' | 'attack';

export interface ResourceTemplate {
  /** Host prefix in front of the zone name ('' = apex). */
  sub: string;
  method: string;
  uri: string;
  kind: ResourceKind;
  contentType: string;
  /**
   * `{n}` in the URI is replaced per request by a number in `ids` (order ids, pages, cache
   * busters): real URIs carry such per-request variety, which keeps compression ratios honest.
   */
  ids?: readonly [number, number];
  /** Typical body bytes as served (compressed for text). */
  bodyBytes: number;
  compressionRatio: number;
}

// Ordered by popularity. URIs with a quote or a backslash need escaping in JSON.
export const RESOURCES: readonly ResourceTemplate[] = [
  { sub: 'www.', method: 'GET', uri: '/', kind: 'page', contentType: 'text/html', bodyBytes: 38211, compressionRatio: 4.12 },
  { sub: 'static.', method: 'GET', uri: '/assets/js/app.3f9a1c7e.js', kind: 'static', contentType: 'application/javascript', bodyBytes: 184320, compressionRatio: 3.71 },
  { sub: 'api.', method: 'GET', uri: '/v1/session?t={n}', ids: [100000000, 999999999], kind: 'api', contentType: 'application/json', bodyBytes: 412, compressionRatio: 1 },
  { sub: 'static.', method: 'GET', uri: '/assets/css/main.91be02.css', kind: 'static', contentType: 'text/css', bodyBytes: 41877, compressionRatio: 5.02 },
  { sub: 'www.', method: 'GET', uri: '/products', kind: 'page', contentType: 'text/html', bodyBytes: 52344, compressionRatio: 4.4 },
  { sub: 'static.', method: 'GET', uri: '/images/hero-1600.webp', kind: 'image', contentType: 'image/webp', bodyBytes: 148210, compressionRatio: 1 },
  { sub: 'api.', method: 'POST', uri: '/v1/events', kind: 'apiWrite', contentType: 'application/json', bodyBytes: 64, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/favicon.ico', kind: 'static', contentType: 'image/x-icon', bodyBytes: 15086, compressionRatio: 1 },
  { sub: 'api.', method: 'GET', uri: '/v1/products?page={n}&limit=24', ids: [1, 40], kind: 'api', contentType: 'application/json', bodyBytes: 8812, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/products/{n}-trail-runner', ids: [4000, 4299], kind: 'page', contentType: 'text/html', bodyBytes: 47101, compressionRatio: 4.31 },
  { sub: 'static.', method: 'GET', uri: '/images/products/{n}-400.webp', ids: [4000, 4299], kind: 'image', contentType: 'image/webp', bodyBytes: 23817, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/search?q=running+shoes', kind: 'page', contentType: 'text/html', bodyBytes: 44390, compressionRatio: 4.25 },
  { sub: 'api.', method: 'GET', uri: '/v1/cart/{n}', ids: [10000000, 99999999], kind: 'api', contentType: 'application/json', bodyBytes: 1280, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/robots.txt', kind: 'static', contentType: 'text/plain', bodyBytes: 312, compressionRatio: 1 },
  { sub: 'static.', method: 'GET', uri: '/assets/js/vendor.c0ffee12.js', kind: 'static', contentType: 'application/javascript', bodyBytes: 402112, compressionRatio: 3.48 },
  { sub: 'api.', method: 'POST', uri: '/v1/cart/items', kind: 'apiWrite', contentType: 'application/json', bodyBytes: 1422, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/blog/2024/06/how-we-ship-faster?utm_source=newsletter&utm_id={n}', ids: [1, 500], kind: 'page', contentType: 'text/html', bodyBytes: 61208, compressionRatio: 4.87 },
  { sub: 'www.', method: 'GET', uri: '/products/0815-city-boot?color=black&size=42', kind: 'page', contentType: 'text/html', bodyBytes: 46950, compressionRatio: 4.29 },
  { sub: 'static.', method: 'GET', uri: '/fonts/inter-var.woff2', kind: 'static', contentType: 'font/woff2', bodyBytes: 98344, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/sitemap.xml', kind: 'static', contentType: 'application/xml', bodyBytes: 8204, compressionRatio: 6.1 },
  { sub: 'api.', method: 'POST', uri: '/graphql', kind: 'apiWrite', contentType: 'application/json', bodyBytes: 3310, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/login', kind: 'page', contentType: 'text/html', bodyBytes: 12876, compressionRatio: 3.9 },
  { sub: 'www.', method: 'POST', uri: '/login', kind: 'apiWrite', contentType: 'text/html', bodyBytes: 512, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/checkout', kind: 'page', contentType: 'text/html', bodyBytes: 29540, compressionRatio: 4.02 },
  { sub: 'www.', method: 'GET', uri: '/search?q="trail+runner"+waterproof', kind: 'page', contentType: 'text/html', bodyBytes: 43002, compressionRatio: 4.2 },
  { sub: 'www.', method: 'GET', uri: '/wp-login.php', kind: 'attack', contentType: 'text/html', bodyBytes: 4810, compressionRatio: 1 },
  { sub: 'api.', method: 'GET', uri: '/v1/orders/{n}', ids: [1000000, 1999999], kind: 'api', contentType: 'application/json', bodyBytes: 2214, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/.env', kind: 'attack', contentType: 'text/html', bodyBytes: 4810, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/products?id=1%27%20OR%20%271%27=%271', kind: 'attack', contentType: 'text/html', bodyBytes: 4810, compressionRatio: 1 },
  { sub: 'www.', method: 'GET', uri: '/..\\..\\windows\\win.ini', kind: 'attack', contentType: 'text/html', bodyBytes: 4810, compressionRatio: 1 },
  { sub: 'www.', method: 'HEAD', uri: '/', kind: 'page', contentType: 'text/html', bodyBytes: 0, compressionRatio: 1 },
  { sub: 'www.', method: 'OPTIONS', uri: '/v1/cart/{n}', ids: [10000000, 99999999], kind: 'api', contentType: '', bodyBytes: 0, compressionRatio: 1 },
];

export const REFERERS_BY_KIND: Readonly<Record<ResourceKind, readonly string[]>> = {
  page: ['', 'https://www.google.com/', 'https://{zone}/', 'https://www.bing.com/', 'https://t.co/', 'https://{zone}/products'],
  static: ['https://{zone}/', 'https://{zone}/products', 'https://{zone}/products/4711-trail-runner', ''],
  image: ['https://{zone}/', 'https://{zone}/products', ''],
  api: ['https://{zone}/', 'https://{zone}/checkout', ''],
  apiWrite: ['https://{zone}/', 'https://{zone}/checkout', ''],
  attack: [''],
};

/** A security rule that can terminate a request. */
export interface SecurityRule {
  id: string;
  description: string;
  source: string;
  action: string;
}

export const SECURITY_RULES = {
  managedWaf: { id: '6179ae15870a4bb7b2d480d4843b323c', description: 'Log4j Headers', source: 'firewallManaged', action: 'block' },
  sqli: { id: '5de7edfa648c4d6891dc3e7f84534ffa', description: 'SQLi - Comment - Beta', source: 'firewallManaged', action: 'block' },
  traversal: { id: 'e2c2a3f7e9b44b3fa5f35a7c9b5f4d11', description: 'Directory Traversal - Windows', source: 'firewallManaged', action: 'block' },
  probe: { id: '2b1a0c6a3e8f4c77a0dbb3e0a7f1d209', description: 'Block scanners of WordPress admin', source: 'firewallCustom', action: 'block' },
  rateLimit: { id: 'a3c5b1e9d7f04e2a8b6c4d2e0f1a3b5c', description: 'API 100 req/10s per IP', source: 'ratelimit', action: 'block' },
  botChallenge: { id: '9f8e7d6c5b4a49388271605f4e3d2c1b', description: 'Challenge likely automated traffic', source: 'firewallCustom', action: 'managedChallenge' },
} as const satisfies Record<string, SecurityRule>;

/** How one request ended: cache and origin status, security action. Weighted per kind. */
export interface Outcome {
  weight: number;
  cache: string;
  edgeStatus: number;
  originStatus: number;
  /** Whether the origin was contacted (origin timing fields are non-zero). */
  origin: boolean;
  /** Fraction of the resource's body sent (0 for 304/403 with a small error page handled separately). */
  bodyFactor: number;
  rule: SecurityRule | null;
}

const allow = (weight: number, cache: string, edgeStatus: number, originStatus: number, bodyFactor = 1): Outcome =>
  ({ weight, cache, edgeStatus, originStatus, origin: originStatus !== 0, bodyFactor, rule: null });
const blocked = (weight: number, rule: SecurityRule, edgeStatus = 403): Outcome =>
  ({ weight, cache: 'unknown', edgeStatus, originStatus: 0, origin: false, bodyFactor: 0, rule });

export const OUTCOMES_BY_KIND: Readonly<Record<ResourceKind, readonly Outcome[]>> = {
  page: [
    allow(86, 'dynamic', 200, 200), allow(4, 'dynamic', 404, 404, 0.2), allow(3, 'dynamic', 301, 301, 0),
    allow(1, 'dynamic', 500, 500, 0.1), allow(1, 'dynamic', 502, 0, 0.1), allow(2, 'dynamic', 304, 304, 0),
    blocked(3, SECURITY_RULES.botChallenge),
  ],
  static: [
    allow(78, 'hit', 200, 0), allow(9, 'miss', 200, 200), allow(3, 'expired', 200, 200),
    allow(3, 'revalidated', 200, 304), allow(7, 'hit', 304, 0, 0),
  ],
  image: [allow(84, 'hit', 200, 0), allow(10, 'miss', 200, 200), allow(6, 'hit', 304, 0, 0)],
  api: [
    allow(86, 'dynamic', 200, 200), allow(5, 'dynamic', 401, 401, 0.1), allow(4, 'dynamic', 404, 404, 0.1),
    allow(1, 'dynamic', 500, 500, 0.1), blocked(4, SECURITY_RULES.rateLimit, 429),
  ],
  apiWrite: [
    allow(80, 'dynamic', 200, 200), allow(8, 'dynamic', 201, 201), allow(6, 'dynamic', 400, 400, 0.1),
    allow(2, 'dynamic', 503, 503, 0.1), blocked(4, SECURITY_RULES.rateLimit, 429),
  ],
  attack: [
    blocked(40, SECURITY_RULES.probe), blocked(25, SECURITY_RULES.sqli), blocked(20, SECURITY_RULES.traversal),
    blocked(5, SECURITY_RULES.managedWaf), allow(10, 'dynamic', 404, 404, 0.1),
  ],
};

/** Cloudflare data center server addresses, a handful per request (anycast). */
export const EDGE_SERVER_IPS: readonly string[] = [
  '172.68.132.17', '172.68.132.44', '162.158.90.21', '162.158.90.78', '108.162.241.9',
  '172.70.34.112', '172.71.150.3', '104.23.197.40',
];

export const SSL_CIPHERS_BY_PROTOCOL: Readonly<Record<string, readonly string[]>> = {
  'TLSv1.3': ['AEAD-AES128-GCM-SHA256', 'AEAD-AES256-GCM-SHA384', 'AEAD-CHACHA20-POLY1305-SHA256'],
  'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
};
