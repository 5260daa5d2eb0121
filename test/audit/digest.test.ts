import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  DIGEST_FORMAT, DigestError, digestKey, encodeDigest, parseDigest, publicKeyFingerprint, sha256Hex, sha256HexAsync, verifyDigestSignature,
  type DigestBody, type SignedDigest,
} from '../../src/audit/digest.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const CHAIN = '0b7c4f0e-3c1a-4d8e-9f00-1234567890ab';
const HASH_A = 'a'.repeat(64);
const HASH_B = '0123456789abcdef'.repeat(4);
const OTHER_CHAIN = '5f2d0c9e-1b3a-4c7d-8e6f-0a1b2c3d4e5f';

function body(overrides: Partial<DigestBody> = {}, key: KeyObject = publicKey): DigestBody {
  return {
    format: DIGEST_FORMAT,
    job_id: 7,
    dataset: 'audit_logs',
    chain: CHAIN,
    sequence: 3,
    start: '2026-11-27T10:00:00.000Z',
    end: '2026-11-27T11:00:00.000Z',
    interval_seconds: 3600,
    previous: { key: digestKey(7, CHAIN, 2), sha256: HASH_A },
    objects: [
      { key: '20261127/20261127T101500Z_20261127T101559Z_ab12.log.gz', sha256: HASH_B, bytes: 123 },
      { key: '20261127/20261127T102000Z_20261127T102059Z_cd34.log.gz', sha256: HASH_A, bytes: 0 },
    ],
    closes: [],
    previous_key_sha256: null,
    final: false,
    public_key_sha256: publicKeyFingerprint(key),
    ...overrides,
  };
}

/** The same 6-bit group with a different value in the 4 bits a 64-byte base64 string does not use. */
function nonCanonical(last: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  return alphabet[alphabet.indexOf(last) ^ 1]!;
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

/** Parses the encoded digest as plain JSON, changes it, and re-encodes it as a file would hold it. */
function edited(bytes: Uint8Array, edit: (doc: Record<string, any>) => void): Uint8Array {
  const doc = JSON.parse(text(bytes)) as Record<string, any>;
  edit(doc);
  return Buffer.from(`${JSON.stringify(doc)}\n`);
}

describe('digest keys', () => {
  it('are _digests/<job>/<chain>/<6-digit sequence>.json', () => {
    assert.equal(digestKey(7, CHAIN, 0), `_digests/7/${CHAIN}/000000.json`);
    assert.equal(digestKey(12, CHAIN, 42), `_digests/12/${CHAIN}/000042.json`);
  });

  it('refuse parts that could leave the digests directory', () => {
    assert.throws(() => digestKey(7, '../x', 0), RangeError);
    assert.throws(() => digestKey(0, CHAIN, 0), RangeError);
    assert.throws(() => digestKey(7, CHAIN, -1), RangeError);
    assert.throws(() => digestKey(7, CHAIN, 1.5), RangeError);
  });
});

describe('encode, parse, verify', () => {
  it('round-trips: the file is the fields in contract order, then a newline, and it verifies', () => {
    const bytes = encodeDigest(body(), privateKey);
    const file = text(bytes);
    assert.ok(file.endsWith('}\n'));
    assert.equal(file.indexOf('\n'), file.length - 1);
    const parsed = parseDigest(bytes, 'x.json');
    assert.deepEqual(Object.keys(parsed), [
      'format', 'job_id', 'dataset', 'chain', 'sequence', 'start', 'end', 'interval_seconds', 'previous', 'objects', 'closes', 'previous_key_sha256', 'final',
      'public_key_sha256', 'signature',
    ]);
    const { signature, ...rest } = parsed;
    assert.deepEqual(rest, body());
    assert.match(signature, /^[A-Za-z0-9+/]{86}==$/);
    assert.equal(verifyDigestSignature(parsed, publicKey), true);
  });

  it('round-trips a first digest (previous null) with no objects', () => {
    const first = body({ sequence: 0, previous: null, objects: [] });
    const parsed = parseDigest(encodeDigest(first, privateKey));
    assert.equal(parsed.previous, null);
    assert.equal(verifyDigestSignature(parsed, publicKey), true);
  });

  it('drops properties outside the format instead of signing them', () => {
    const extra = { ...body(), note: 'not in the format' } as DigestBody;
    const parsed = parseDigest(encodeDigest(extra, privateKey));
    assert.equal('note' in parsed, false);
    assert.equal(verifyDigestSignature(parsed, publicKey), true);
  });

  it('verifies a digest re-serialised with other key order and whitespace', () => {
    const bytes = encodeDigest(body(), privateKey);
    const doc = JSON.parse(text(bytes)) as Record<string, any>;
    const reversed = Object.fromEntries(Object.entries(doc).reverse());
    reversed.objects = doc.objects.map((o: Record<string, unknown>) => ({ bytes: o.bytes, sha256: o.sha256, key: o.key }));
    reversed.previous = { sha256: doc.previous.sha256, key: doc.previous.key };
    const rewritten = Buffer.from(JSON.stringify(reversed, null, 2));
    assert.notDeepEqual(rewritten, Buffer.from(bytes));
    const parsed = parseDigest(rewritten);
    assert.equal(verifyDigestSignature(parsed, publicKey), true);
  });

  const tampering: Array<[string, (doc: Record<string, any>) => void]> = [
    ['an object hash', (d) => { d.objects[1].sha256 = `b${d.objects[1].sha256.slice(1)}`; }],
    ['an object key', (d) => { d.objects[0].key = d.objects[0].key.replace('ab12', 'ab13'); }],
    ['an object size', (d) => { d.objects[0].bytes += 1; }],
    ['a dropped object', (d) => { d.objects.pop(); }],
    ['the previous hash', (d) => { d.previous.sha256 = `b${d.previous.sha256.slice(1)}`; }],
    ['the sequence (and its previous key)', (d) => { d.sequence = 4; d.previous.key = digestKey(7, CHAIN, 3); }],
    ['the dataset', (d) => { d.dataset = 'audit_logz'; }],
    ['the period end', (d) => { d.end = '2026-11-27T11:00:01.000Z'; }],
    ['the signature', (d) => { d.signature = `${d.signature[0] === 'A' ? 'B' : 'A'}${d.signature.slice(1)}`; }],
  ];
  for (const [what, edit] of tampering) {
    it(`does not verify after changing ${what}`, () => {
      const parsed = parseDigest(edited(encodeDigest(body(), privateKey), edit));
      assert.equal(verifyDigestSignature(parsed, publicKey), false);
    });
  }

  it('does not verify with another key, even when the fingerprint is swapped too', () => {
    const parsed = parseDigest(encodeDigest(body(), privateKey));
    assert.equal(verifyDigestSignature(parsed, other.publicKey), false);
    const claimed = parseDigest(edited(encodeDigest(body(), privateKey), (d) => { d.public_key_sha256 = publicKeyFingerprint(other.publicKey); }));
    assert.equal(verifyDigestSignature(claimed, other.publicKey), false);
  });

  it('does not verify a digest signed by another key that names it', () => {
    const parsed = parseDigest(encodeDigest(body({}, other.publicKey), other.privateKey));
    assert.equal(verifyDigestSignature(parsed, other.publicKey), true);
    assert.equal(verifyDigestSignature(parsed, publicKey), false);
  });

  it('refuses to encode with a fingerprint of another key, or with a non-Ed25519 key', () => {
    assert.throws(() => encodeDigest(body({}, other.publicKey), privateKey), (e: unknown) => e instanceof DigestError && /public_key_sha256/.test(e.message));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => encodeDigest(body(), rsa.privateKey), /Ed25519/);
    assert.throws(() => encodeDigest(body(), publicKey), /Ed25519 private key/);
  });

  it('refuses to encode what it would refuse to parse', () => {
    assert.throws(() => encodeDigest(body({ objects: [{ key: '../etc/passwd', sha256: HASH_A, bytes: 1 }] }), privateKey), {
      name: 'DigestError', message: /^digest: objects\[0\]\.key must be a non-empty key relative/,
    });
    assert.throws(() => encodeDigest(body({ sequence: 0 }), privateKey), { name: 'DigestError', message: /previous must be null/ });
  });

  it('fingerprints a private key as its public key', () => {
    assert.equal(publicKeyFingerprint(privateKey), publicKeyFingerprint(publicKey));
    assert.match(publicKeyFingerprint(publicKey), /^[0-9a-f]{64}$/);
    assert.notEqual(publicKeyFingerprint(publicKey), publicKeyFingerprint(other.publicKey));
  });
});

describe('parseDigest refuses bad documents with a DigestError naming the field', () => {
  const NAME = `_digests/7/${CHAIN}/000003.json`;
  const good = encodeDigest(body(), privateKey);

  function rejects(bytes: Uint8Array, field: string, message: RegExp): void {
    let caught: unknown;
    try {
      parseDigest(bytes, NAME);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof DigestError, `expected a DigestError, got ${String(caught)}`);
    assert.equal(caught.field, field);
    assert.ok(caught.message.startsWith(`digest ${NAME}: ${field}`), caught.message);
    assert.match(caught.message, message);
  }

  it('bad bytes and bad JSON', () => {
    rejects(Buffer.from([0x7b, 0xff, 0x7d]), '', /is not valid UTF-8/);
    rejects(Buffer.from('{"format":'), '', /is not valid JSON/);
    rejects(Buffer.from(''), '', /is not valid JSON/);
    rejects(Buffer.from('[1,2]'), '', /must be a JSON object/);
    rejects(Buffer.from('null'), '', /must be a JSON object/);
    rejects(Buffer.from('"sluice-digest/1"'), '', /must be a JSON object/);
  });

  it('the format comes first', () => {
    rejects(edited(good, (d) => { d.format = 'sluice-digest/3'; d.new_field = 1; }), 'format', /must be "sluice-digest\/2", not "sluice-digest\/3"/);
    rejects(edited(good, (d) => { d.format = 'sluice-digest/1'; }), 'format', /must be "sluice-digest\/2", not "sluice-digest\/1"/);
    rejects(edited(good, (d) => { delete d.format; }), 'format', /not missing/);
  });

  const cases: Array<[string, (d: Record<string, any>) => void, RegExp]> = [
    ['job_id', (d) => { d.job_id = '7'; }, /must be a positive integer, not "7"/],
    ['job_id', (d) => { d.job_id = 0; }, /positive integer/],
    ['job_id', (d) => { d.job_id = 1.5; }, /positive integer/],
    ['job_id', (d) => { delete d.job_id; }, /is missing/],
    ['dataset', (d) => { d.dataset = ''; }, /non-empty string/],
    ['dataset', (d) => { d.dataset = null; }, /non-empty string/],
    ['chain', (d) => { d.chain = '../../etc'; }, /UUID/],
    ['chain', (d) => { d.chain = CHAIN.toUpperCase(); }, /lower-case UUID/],
    ['sequence', (d) => { d.sequence = -1; }, /non-negative integer/],
    ['sequence', (d) => { d.sequence = '3'; }, /non-negative integer/],
    ['start', (d) => { d.start = '2026-11-27 10:00:00'; }, /RFC 3339 UTC/],
    ['start', (d) => { d.start = '2026-13-27T10:00:00Z'; }, /RFC 3339 UTC/],
    ['end', (d) => { d.end = '2026-11-27T11:00:00+01:00'; }, /RFC 3339 UTC/],
    ['end', (d) => { d.end = 1764241200000; }, /RFC 3339 UTC/],
    ['previous', (d) => { d.previous = null; }, /must point at the previous digest/],
    ['previous', (d) => { d.previous = 'x'; }, /must be a JSON object/],
    ['previous.key', (d) => { d.previous.key = digestKey(7, CHAIN, 1); }, /must be "_digests\/7\/.*\/000002\.json"/],
    ['previous.key', (d) => { delete d.previous.key; }, /is missing/],
    ['previous.sha256', (d) => { d.previous.sha256 = 'abc'; }, /64 lower-case hex/],
    ['previous.extra', (d) => { d.previous.extra = 1; }, /is not a field of sluice-digest\/2/],
    ['objects', (d) => { d.objects = {}; }, /must be an array/],
    ['objects[1]', (d) => { d.objects[1] = 'x'; }, /must be a JSON object/],
    ['objects[0].key', (d) => { d.objects[0].key = ''; }, /relative to the destination root/],
    ['objects[0].key', (d) => { d.objects[0].key = '/etc/passwd'; }, /relative/],
    ['objects[0].key', (d) => { d.objects[0].key = 'a/../../b'; }, /relative/],
    ['objects[0].key', (d) => { d.objects[0].key = 5; }, /relative/],
    ['objects[1].sha256', (d) => { d.objects[1].sha256 = HASH_A.toUpperCase(); }, /must be 64 lower-case hex characters/],
    ['objects[1].sha256', (d) => { delete d.objects[1].sha256; }, /is missing/],
    ['objects[1].bytes', (d) => { d.objects[1].bytes = -1; }, /non-negative integer, not -1/],
    ['objects[1].bytes', (d) => { d.objects[1].bytes = '12'; }, /non-negative integer/],
    ['objects[0].size', (d) => { d.objects[0].size = 1; }, /is not a field/],
    ['interval_seconds', (d) => { d.interval_seconds = 0; }, /positive integer/],
    ['interval_seconds', (d) => { delete d.interval_seconds; }, /is missing/],
    ['closes', (d) => { d.closes = null; }, /must be an array/],
    ['closes[0].key', (d) => { d.closes = [{ key: digestKey(7, CHAIN, 1), sha256: HASH_A }]; }, /another chain of job 7/],
    ['closes[0].key', (d) => { d.closes = [{ key: digestKey(8, OTHER_CHAIN, 1), sha256: HASH_A }]; }, /another chain of job 7/],
    ['closes[0].key', (d) => { d.closes = [{ key: '../x.json', sha256: HASH_A }]; }, /another chain of job 7/],
    ['closes[0].sha256', (d) => { d.closes = [{ key: digestKey(7, OTHER_CHAIN, 1), sha256: 'x' }]; }, /64 lower-case hex/],
    ['closes[0].extra', (d) => { d.closes = [{ key: digestKey(7, OTHER_CHAIN, 1), sha256: HASH_A, extra: 1 }]; }, /is not a field/],
    ['previous_key_sha256', (d) => { d.previous_key_sha256 = 'abc'; }, /64 lower-case hex/],
    ['final', (d) => { d.final = 'true'; }, /must be true or false/],
    ['final', (d) => { delete d.final; }, /is missing/],
    ['public_key_sha256', (d) => { d.public_key_sha256 = 42; }, /64 lower-case hex/],
    ['signature', (d) => { d.signature = 'not base64!'; }, /base64 Ed25519 signature/],
    ['signature', (d) => { d.signature = Buffer.alloc(32).toString('base64'); }, /base64 Ed25519 signature/],
    ['signature', (d) => { delete d.signature; }, /is missing/],
    ['signature', (d) => { d.signature = `${d.signature.slice(0, 85)}${nonCanonical(d.signature[85])}==`; }, /base64 Ed25519 signature/],
    ['__proto__', (d) => { Object.defineProperty(d, '__proto__', { value: 1, enumerable: true }); }, /is not a field/],
    ['note', (d) => { d.note = 'unsigned'; }, /is not a field of sluice-digest\/2/],
  ];
  for (const [field, edit, message] of cases) {
    it(`${field}: ${message.source}`, () => rejects(edited(good, edit), field, message));
  }

  it('sequence 0 must have previous null', () => {
    rejects(edited(encodeDigest(body({ sequence: 0, previous: null }), privateKey), (d) => { d.previous = { key: 'x', sha256: HASH_A }; }), 'previous', /must be null for sequence 0/);
  });

  it('names the digest in the message only when given a name', () => {
    assert.throws(() => parseDigest(Buffer.from('{}')), { name: 'DigestError', message: /^digest: format must be/ });
  });

  it('never throws anything but DigestError on arbitrary mutations', () => {
    const source = text(good);
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
      const chars = source.split('');
      for (let n = 0; n < 1 + Math.floor(random() * 3); n++) chars[Math.floor(random() * chars.length)] = String.fromCharCode(32 + Math.floor(random() * 95));
      try {
        const parsed = parseDigest(Buffer.from(chars.join('')));
        verifyDigestSignature(parsed, publicKey);
      } catch (error) {
        assert.ok(error instanceof DigestError, `mutation ${i}: ${String(error)}`);
      }
    }
  });
});

describe('sha256Hex', () => {
  const chunks = [Buffer.from('hello '), new Uint8Array(0), Buffer.from('wörld'), new Uint8Array([0, 255, 10])];
  const whole = Buffer.concat(chunks);
  const expected = sha256Hex(whole);

  it('hashes bytes (known value)', () => {
    assert.equal(sha256Hex(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256Hex(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes chunks as their concatenation', () => {
    assert.equal(sha256Hex(chunks), expected);
    assert.equal(sha256Hex(chunks.values()), expected);
    assert.notEqual(sha256Hex(chunks.slice(1)), expected);
  });

  it('hashes async chunks as their concatenation and counts their bytes', async () => {
    async function* stream() {
      for (const chunk of chunks) yield chunk;
    }
    assert.deepEqual(await sha256HexAsync(stream()), { sha256: expected, bytes: whole.byteLength });
    assert.deepEqual(await sha256HexAsync([]), { sha256: sha256Hex(new Uint8Array(0)), bytes: 0 });
  });
});

// Type-level: a parsed digest is a SignedDigest.
const _typed: (bytes: Uint8Array) => SignedDigest = parseDigest;
void _typed;
