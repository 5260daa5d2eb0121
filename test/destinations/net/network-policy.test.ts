import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetworkPolicy } from '../../../src/destinations/net/network-policy.ts';

describe('NetworkPolicy', () => {
  it('refuses every special address by default and allows public ones', () => {
    const policy = new NetworkPolicy([]);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '10.0.0.1', '169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '0.0.0.0', '::']) {
      assert.equal(policy.allows(address), false, address);
    }
    assert.equal(policy.allows('1.1.1.1'), true);
    assert.equal(policy.allows('2606:4700:4700::1111'), true);
  });

  it('allows exactly the networks the operator listed', () => {
    const policy = new NetworkPolicy(['127.0.0.2/32', '10.20.0.0/16', 'fd12::/16']);
    assert.equal(policy.allows('127.0.0.2'), true);
    assert.equal(policy.allows('127.0.0.1'), false);
    assert.equal(policy.allows('10.20.255.1'), true);
    assert.equal(policy.allows('10.21.0.1'), false);
    assert.equal(policy.allows('fd12:3456::1'), true);
    assert.equal(policy.allows('fd13::1'), false);
    assert.equal(policy.allows('169.254.169.254'), false);
  });

  it('applies an IPv4 allowance to the IPv6 forms of the same address', () => {
    const policy = new NetworkPolicy(['127.0.0.0/8', '::1/128']);
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::1']) assert.equal(policy.allows(address), true, address);
    assert.equal(policy.allows('::ffff:10.0.0.1'), false);
  });

  it('is built from the config section and refuses a malformed network', () => {
    assert.equal(NetworkPolicy.fromConfig({ allow_networks: ['192.168.1.0/24'] }).allows('192.168.1.7'), true);
    assert.throws(() => new NetworkPolicy(['not-a-network']));
  });
});
