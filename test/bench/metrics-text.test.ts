import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricSum } from '../../bench/scale/metrics-text.ts';

const EXPOSITION = `# HELP sluice_source_received_records_total Records pushed by sources.
# TYPE sluice_source_received_records_total counter
sluice_source_received_records_total{dataset="http_requests"} 1200
sluice_source_received_records_total{dataset="dns logs"} 34
sluice_source_received_records_total_extra 999
sluice_kafka_group_joins_total 3
`;

describe('metricSum', () => {
  it('sums every labelled series of a metric', () => {
    assert.equal(metricSum(EXPOSITION, 'sluice_source_received_records_total'), 1234);
  });

  it('reads an unlabelled sample and ignores metrics that only share the prefix', () => {
    assert.equal(metricSum(EXPOSITION, 'sluice_kafka_group_joins_total'), 3);
    assert.equal(metricSum(EXPOSITION, 'sluice_kafka_group_joins'), 0);
  });

  it('is 0 for a metric with no samples yet', () => {
    assert.equal(metricSum(EXPOSITION, 'sluice_kafka_revoked_partitions_total'), 0);
  });
});
