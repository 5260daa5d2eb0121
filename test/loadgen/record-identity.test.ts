import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpRequestsGenerator } from '../../src/generator/http-requests.ts';
import { DeliveryTracker } from '../../loadgen/delivery-tracker.ts';
import { latencyMicros, rayIdFor, readDeliveredIdentity, withRayId, RecordIdentityError } from '../../loadgen/record-identity.ts';

test('a generated event carries the run/index RayID and the intended time as EdgeStartTimestamp', () => {
  const intended = 1_764_201_600_123_456_789n;
  const generator = createHttpRequestsGenerator({ seed: 3, clock: () => intended });
  const json = withRayId(generator.next().json, rayIdFor('0a1b2c3d', 4242));
  const event = JSON.parse(json) as { RayID: string };
  assert.equal(event.RayID, '0a1b2c3d00001092');
  const identity = readDeliveredIdentity(json);
  assert.deepEqual(identity, { runId: '0a1b2c3d', index: 4242, intendedMicros: 1_764_201_600_123_456 });
});

test('latency is delivery time minus the intended time, not the actual send time', () => {
  // Intended at t = 1,000.000000 s; delivered (visible) at 1,002.5 s → 2.5 s.
  assert.equal(latencyMicros(1_002_500, 1_000_000_000), 2_500_000);
  const tracker = new DeliveryTracker('00000001', 3);
  tracker.markProduced(0, 3);
  const line = (i: number, intendedNs: string) => `{"RayID":"${rayIdFor('00000001', i)}","EdgeStartTimestamp":${intendedNs},"ZoneName":"x"}`;
  assert.equal(tracker.recordDelivery(readDeliveredIdentity(line(0, '1764000000000000000'))!, 1_764_000_000_750), 'first');
  assert.equal(tracker.recordDelivery(readDeliveredIdentity(line(1, '1764000000100000000'))!, 1_764_000_001_100), 'first');
  assert.equal(tracker.recordDelivery(readDeliveredIdentity(line(1, '1764000000100000000'))!, 1_764_000_002_000), 'duplicate');
  assert.equal(tracker.recordDelivery(readDeliveredIdentity(`{"RayID":"${rayIdFor('00000002', 0)}","EdgeStartTimestamp":1764000000000000000}`)!, 1_764_000_002_000), 'foreign');
  assert.equal(tracker.histogram.totalCount, 2, 'one latency per delivered event');
  assert.ok(Math.abs(tracker.histogram.getValueAtPercentile(100) - 1_000_000) <= 1000, 'the slower record: 1.1 s − 0.1 s');
  assert.ok(Math.abs(tracker.histogram.getValueAtPercentile(1) - 750_000) <= 750, 'the faster record: 0.75 s');
  const summary = tracker.summary();
  assert.equal(summary.delivered, 2);
  assert.equal(summary.missing, 1);
  assert.equal(summary.duplicates, 1);
  assert.equal(summary.foreign, 1);
  assert.deepEqual(tracker.missingSample(10), [2]);
});

test('records of other producers are skipped; loadgen records without a timestamp are an error', () => {
  assert.equal(readDeliveredIdentity('{"RayID":"8c2d0f1e9a7b6c5d-SJC","EdgeStartTimestamp":1}'), null);
  assert.throws(() => readDeliveredIdentity('{"RayID":"0000000100000001","ZoneName":"x"}'), RecordIdentityError);
  assert.throws(() => readDeliveredIdentity('{"RayID":"0000000100000001","EdgeStartTimestamp":"2025-01-01T00:00:00Z"}'), RecordIdentityError);
  assert.throws(() => withRayId('{"ZoneName":"x"}', '0000000100000001'), RecordIdentityError);
});
