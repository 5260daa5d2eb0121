// The built-in generator of realistic Cloudflare `http_requests` events (one JSON object per
// event, ~1.4 KB, 47 fields of src/datasets/catalogs/zone/http_requests.json with their catalog types;
// the catalog's default_fields are all present).
//
// Realism that matters downstream:
// - Popularity is skewed (Zipf-like) over a few hundred client IPs, a few dozen resources,
//   user agents, places and ASNs, so compressors see the repetition real logs have
//   (zstd-3: ratio ≈ 8 on a 10-field selection such as default_fields + ClientCountry,
//   ≈ 16 on whole events; measured on 50k events).
// - Timestamps are 19-digit unixnano integers with real nanosecond digits: most are not exactly
//   representable as a double, so anything that round-trips them through JSON.parse changes them.
// - Some user agents and URIs contain a quote or a backslash, and one city is non-ASCII, so
//   encoders must escape and handle UTF-8.
//
// Speed: this is the hot path of the demo. Everything that does not change per request is
// decided at construction and stored as pre-escaped JSON fragments (per tenant, per client,
// per resource, per outcome); an event is ~10 PRNG draws (several fields share one draw's bits),
// one BigInt add for the end time and one chain of
// string concatenations (a V8 rope, flattened once when the caller encodes it).

import { below, between, createPrng, type Prng } from './prng.ts';
import { createWeightedPick, zipfWeights, type WeightedPick } from './weighted-pick.ts';
import {
  AGENTS, EDGE_SERVER_IPS, OUTCOMES_BY_KIND, PLACES, REFERERS_BY_KIND, RESOURCES, SSL_CIPHERS_BY_PROTOCOL,
  type Agent, type Outcome, type Place, type ResourceTemplate,
} from './http-requests-pools.ts';

export interface GeneratorOptions {
  seed: number;
  /** Zone ids (tenant keys) to spread events over; the first is the busiest. Default: DEFAULT_TENANTS. */
  tenants?: readonly string[];
  /** Current time in nanoseconds since the epoch. Default: wall clock with nanosecond digits. */
  clock?: () => bigint;
}

/**
 * The zones the demo generates traffic for (32-hex zone ids, as Cloudflare's), busiest first:
 * about 70% / 17% / 8% / 4% of events. The demo config's jobs subscribe to these ids.
 */
export const DEFAULT_TENANTS: readonly string[] = [
  '023e105f4ecef8ad9ca31a8372d0c353',
  '9a7806061c88ada191ed06f989cc3dac',
  'b1946ac92492d2347c6235b4d2611184',
  '5d41402abc4b2a76b9719d911017c592',
];

/** ZoneName of each DEFAULT_TENANTS entry (same index). Other tenants get `zone<N>.example.com`. */
export const DEFAULT_ZONE_NAMES: readonly string[] = ['example.com', 'shop.example.net', 'docs.example.org', 'status.example.io'];

export interface GeneratedEvent {
  /** The event's zone id (the tenant key the router uses). */
  tenant: string;
  /** One JSON object, no trailing newline. */
  json: string;
}

export interface HttpRequestsGenerator {
  next(): GeneratedEvent;
}

const CLIENT_COUNT = 400;
const IPV6_SHARE = 0.12;

interface Tenant {
  id: string;
  zoneFragment: string;
  resources: Resource[];
  pickResource: WeightedPick;
}

interface Resource {
  /**
   * Pre-escaped JSON pieces around the per-request number `{n}` (1 piece when the URI has
   * none, 3 when `{n}` appears in both ClientRequestPath and ClientRequestURI, 2 otherwise).
   */
  pieces: string[];
  idLow: number;
  idSpan: number;
  bodyBytes: number;
  /** Dynamic bodies vary by a few percent per request; cached files do not. */
  variableBody: boolean;
  isWrite: boolean;
  isAttack: boolean;
  referers: string[];
  pickReferer: WeightedPick;
  outcomes: OutcomeEntry[];
  pickOutcome: WeightedPick;
}

interface OutcomeEntry {
  fragment: string;
  origin: boolean;
  bodyFactor: number;
  headerBytes: number;
}

interface AgentEntry {
  fragment: string;
  kind: Agent['kind'];
  /** Pre-escaped `,"ClientSSLCipher":"…"` choices for the agent's TLS version. */
  ciphers: string[];
}

interface Client {
  fragment: string;
  /** Most requests of a client come from one user agent, some from a second one (another device). */
  agent: AgentEntry;
  otherAgent: AgentEntry;
  rttMs: number;
  requestBytes: number;
}

export function createHttpRequestsGenerator(options: GeneratorOptions): HttpRequestsGenerator {
  const tenantIds = options.tenants ?? DEFAULT_TENANTS;
  if (tenantIds.length === 0) throw new RangeError('createHttpRequestsGenerator: tenants must not be empty');
  const clock = options.clock ?? wallClockNs();
  // Pools come from their own PRNG so the per-event stream does not depend on pool sizes.
  const poolRng = createPrng(options.seed ^ 0x5eed1e55);
  const rng = createPrng(options.seed);

  const tenants = tenantIds.map((id, index) => buildTenant(poolRng, rng, id, zoneNameFor(tenantIds, index)));
  const agents = AGENTS.map(buildAgent);
  const clients = buildClients(poolRng, agents);
  // "one big zone, a few small ones": exponent 2 gives ~70/17/8/4% for four zones.
  const pickTenant = createWeightedPick(rng, zipfWeights(tenants.length, 2));
  const pickClient = createWeightedPick(rng, zipfWeights(clients.length, 1));
  const edgeServerIps = EDGE_SERVER_IPS.map((ip) => ',"EdgeServerIP":' + JSON.stringify(ip));
  const staticFragment = ',"Cookies":{}}';

  function next(): GeneratedEvent {
    const tenant = tenants[pickTenant()]!;
    const client = clients[pickClient()]!;
    const resource = tenant.resources[tenant.pickResource()]!;
    const outcome = resource.outcomes[resource.pickOutcome()]!;
    const r = rng();
    const agent = (r & 15) === 0 ? client.otherAgent : client.agent;

    const pieces = resource.pieces;
    let resourceFragment = pieces[0]!;
    if (pieces.length > 1) {
      const n = resource.idLow + below(rng, resource.idSpan);
      resourceFragment += n + pieces[1]!;
      if (pieces.length > 2) resourceFragment += n + pieces[2]!;
    }

    let body = Math.round(resource.bodyBytes * outcome.bodyFactor);
    if (resource.variableBody && body > 0) body += below(rng, (body >>> 4) + 1);
    const responseBytes = body + outcome.headerBytes + (r >>> 4 & 127);
    const requestBytes = client.requestBytes + (r >>> 11 & 255) + (resource.isWrite ? between(rng, 120, 3800) : 0);

    let originMs = 0;
    if (outcome.origin) {
      // Skewed: most origin responses take tens of ms, a tail takes up to a second.
      const o = rng();
      originMs = 8 + (o & 127) + ((o >>> 7 & 255) < 20 ? (o >>> 15 & 1023) : 0);
    }
    const ttfbMs = originMs + 1 + (r >>> 19 & 7);
    const durationNs = (ttfbMs + (body >>> 11)) * 1_000_000 + below(rng, 1_000_000);
    const start = clock();
    const end = start + BigInt(durationNs);
    const botScore = agent.kind === 'human' ? 30 + (r >>> 22 & 63) : agent.kind === 'automated' ? 1 + (r >>> 22 & 15) : 1;
    const w = rng();
    const wafBase = resource.isAttack ? 2 : 76;

    const json =
      '{"RayID":"' + hex8(rng()) + hex8(rng()) +
      '","EdgeStartTimestamp":' + start +
      ',"EdgeEndTimestamp":' + end +
      tenant.zoneFragment + resourceFragment + client.fragment + agent.fragment +
      agent.ciphers[w & 1] + edgeServerIps[(w >>> 1 & 7) % edgeServerIps.length] + outcome.fragment +
      ',"ClientRequestReferer":' + resource.referers[resource.pickReferer()] +
      ',"BotScore":' + botScore +
      ',"ClientSrcPort":' + (1024 + (w >>> 4 & 0xffff) % 64512) +
      ',"ClientTCPRTTMs":' + (client.rttMs + (w >>> 20 & 7)) +
      ',"ClientRequestBytes":' + requestBytes +
      ',"EdgeResponseBytes":' + responseBytes +
      ',"EdgeResponseBodyBytes":' + body +
      ',"EdgeTimeToFirstByteMs":' + ttfbMs +
      ',"OriginResponseDurationMs":' + originMs +
      ',"WAFAttackScore":' + (wafBase + (w >>> 23 & 15)) +
      ',"WAFSQLiAttackScore":' + (wafBase + (w >>> 27 & 15)) +
      staticFragment;
    return { tenant: tenant.id, json };
  }

  return { next };
}

/** Wall-clock nanoseconds: Date.now() anchors the epoch, hrtime supplies the sub-ms digits. */
export function wallClockNs(): () => bigint {
  const offset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => offset + process.hrtime.bigint();
}

function zoneNameFor(tenantIds: readonly string[], index: number): string {
  const known = DEFAULT_TENANTS.indexOf(tenantIds[index]!);
  return known >= 0 ? DEFAULT_ZONE_NAMES[known]! : `zone${index + 1}.example.com`;
}

// ---- pools (built once per generator) ----

function buildTenant(poolRng: Prng, rng: Prng, id: string, zoneName: string): Tenant {
  // Each zone ranks the shared resources a little differently (a few swaps), so per-zone
  // traffic is not an exact copy of the others.
  const order = RESOURCES.map((_, i) => i);
  for (let i = 0; i < 6; i++) {
    const a = below(poolRng, order.length);
    const b = Math.min(order.length - 1, a + 1 + below(poolRng, 3));
    [order[a], order[b]] = [order[b]!, order[a]!];
  }
  const resources = order.map((i) => buildResource(rng, RESOURCES[i]!, zoneName));
  return {
    id,
    zoneFragment: ',"ZoneName":' + JSON.stringify(zoneName),
    resources,
    pickResource: createWeightedPick(rng, zipfWeights(resources.length, 1.1)),
  };
}

function buildResource(rng: Prng, template: ResourceTemplate, zoneName: string): Resource {
  const host = template.sub + zoneName;
  const queryAt = template.uri.indexOf('?');
  const path = queryAt < 0 ? template.uri : template.uri.slice(0, queryAt);
  const fragment =
    ',"ClientRequestHost":' + JSON.stringify(host) +
    ',"ClientRequestMethod":' + JSON.stringify(template.method) +
    ',"ClientRequestPath":' + JSON.stringify(path) +
    ',"ClientRequestURI":' + JSON.stringify(template.uri) +
    ',"EdgeResponseContentType":' + JSON.stringify(template.contentType) +
    ',"EdgeResponseCompressionRatio":' + template.compressionRatio;
  const pieces = fragment.split('{n}');
  if (pieces.length > 3 || (pieces.length > 1 && !template.ids)) throw new Error(`resource ${template.uri}: bad {n} placeholder`);
  const [idLow, idHigh] = template.ids ?? [0, 0];
  const referers = REFERERS_BY_KIND[template.kind].map((r) => JSON.stringify(r.replaceAll('{zone}', 'www.' + zoneName)));
  const outcomes = OUTCOMES_BY_KIND[template.kind].map(buildOutcome);
  return {
    pieces,
    idLow,
    idSpan: idHigh - idLow + 1,
    bodyBytes: template.bodyBytes,
    variableBody: template.kind === 'page' || template.kind === 'api' || template.kind === 'apiWrite',
    isWrite: template.method === 'POST',
    isAttack: template.kind === 'attack',
    referers,
    pickReferer: createWeightedPick(rng, zipfWeights(referers.length, 1.3)),
    outcomes,
    pickOutcome: createWeightedPick(rng, OUTCOMES_BY_KIND[template.kind].map((o) => o.weight)),
  };
}

function buildOutcome(outcome: Outcome): OutcomeEntry {
  const rule = outcome.rule;
  const fragment =
    ',"CacheCacheStatus":' + JSON.stringify(outcome.cache) +
    ',"CacheTieredFill":' + (outcome.cache === 'miss') +
    ',"EdgeResponseStatus":' + outcome.edgeStatus +
    ',"OriginResponseStatus":' + outcome.originStatus +
    ',"SecurityAction":' + JSON.stringify(rule?.action ?? '') +
    ',"SecurityRuleID":' + JSON.stringify(rule?.id ?? '') +
    ',"SecuritySources":' + JSON.stringify(rule ? [rule.source] : []) +
    ',"ResponseHeaders":' + JSON.stringify(outcome.cache === 'hit' ? { 'cf-cache-status': 'HIT' } : {});
  return {
    fragment,
    origin: outcome.origin,
    bodyFactor: outcome.bodyFactor,
    headerBytes: rule ? 1200 : outcome.edgeStatus === 304 ? 310 : 620,
  };
}

function buildAgent(agent: Agent): AgentEntry {
  const tls = agent.kind === 'automated' && agent.protocol === 'HTTP/1.1' ? 'TLSv1.2' : 'TLSv1.3';
  const botScoreSrc = agent.kind === 'verified' ? 'Verified Bot' : agent.kind === 'automated' ? 'Heuristics' : 'Machine Learning';
  const fragment =
    ',"ClientDeviceType":' + JSON.stringify(agent.device) +
    ',"ClientRequestUserAgent":' + JSON.stringify(agent.ua) +
    ',"ClientRequestProtocol":' + JSON.stringify(agent.protocol) +
    ',"ClientSSLProtocol":' + JSON.stringify(tls) +
    ',"BotScoreSrc":' + JSON.stringify(botScoreSrc) +
    ',"BotTags":' + JSON.stringify(agent.kind === 'verified' ? ['search_engine'] : agent.ua.startsWith('okhttp') ? ['api'] : []) +
    ',"BotDetectionIDs":' + JSON.stringify(agent.kind === 'automated' ? [201326592] : []) +
    ',"VerifiedBotCategory":' + JSON.stringify(agent.category);
  const ciphers = SSL_CIPHERS_BY_PROTOCOL[tls]!;
  // Two choices so the hot path can pick with one bit.
  const cipherFragments = [0, 1].map((i) => ',"ClientSSLCipher":' + JSON.stringify(ciphers[i % ciphers.length]));
  return { fragment, kind: agent.kind, ciphers: cipherFragments };
}

function buildClients(rng: Prng, agents: readonly AgentEntry[]): Client[] {
  const pickPlace = createWeightedPick(rng, zipfWeights(PLACES.length, 1.1));
  const pickAgent = createWeightedPick(rng, zipfWeights(AGENTS.length, 1.2));
  const clients: Client[] = [];
  for (let i = 0; i < CLIENT_COUNT; i++) {
    const agentIndex = pickAgent();
    const agent = AGENTS[agentIndex]!;
    // Verified bots come from their operator's network; everyone else from anywhere.
    const place = PLACES[agent.home ? agent.home.place : pickPlace()]!;
    const otherIndex = agent.kind === 'human' ? pickHumanAgent(pickAgent) : agentIndex;
    clients.push(buildClient(rng, agent, place, agents[agentIndex]!, agents[otherIndex]!));
  }
  return clients;
}

function pickHumanAgent(pickAgent: WeightedPick): number {
  for (;;) {
    const index = pickAgent();
    if (AGENTS[index]!.kind === 'human') return index;
  }
}

function buildClient(rng: Prng, agent: Agent, place: Place, agentEntry: AgentEntry, otherAgent: AgentEntry): Client {
  const asn = agent.home ? agent.home.asn : place.asns[below(rng, place.asns.length)]!;
  const ip = agent.home
    ? `${agent.home.prefix}${between(rng, 0, 255)}.${between(rng, 1, 254)}`
    : randomClientIp(rng);
  const fragment =
    ',"ClientIP":' + JSON.stringify(ip) +
    ',"ClientASN":' + asn +
    ',"ClientCountry":' + JSON.stringify(place.country) +
    ',"ClientCity":' + JSON.stringify(place.city) +
    ',"EdgeColoCode":' + JSON.stringify(place.colo) +
    ',"EdgeColoID":' + place.coloId +
    ',"RequestHeaders":' + JSON.stringify(agent.kind === 'human' ? { 'accept-language': place.acceptLanguage.slice(0, place.acceptLanguage.indexOf(',')) } : {});
  return {
    fragment,
    agent: agentEntry,
    otherAgent,
    rttMs: 2 + below(rng, 120),
    requestBytes: agent.kind === 'human' ? between(rng, 700, 2400) : between(rng, 120, 400),
  };
}

function randomClientIp(rng: Prng): string {
  if (below(rng, 1000) < IPV6_SHARE * 1000) {
    const group = () => (rng() & 0xffff).toString(16);
    return `2a0${below(rng, 10)}:${group()}:${group()}:${group()}::${group()}`;
  }
  // Public-looking IPv4: skip 0/8, 10/8, 100/8, 127/8, 169/8, 172/8, 192/8 and 224+.
  let first = between(rng, 1, 223);
  while (first === 10 || first === 100 || first === 127 || first === 169 || first === 172 || first === 192) first = between(rng, 1, 223);
  return `${first}.${below(rng, 256)}.${below(rng, 256)}.${between(rng, 1, 254)}`;
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 8 lowercase hex chars of a uint32, via a byte table (no toString/padStart per call). */
function hex8(x: number): string {
  return HEX_BYTE[x >>> 24]! + HEX_BYTE[x >>> 16 & 255]! + HEX_BYTE[x >>> 8 & 255]! + HEX_BYTE[x & 255]!;
}
