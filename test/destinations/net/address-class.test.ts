import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressClass, embeddedIpv4 } from '../../../src/destinations/net/address-class.ts';

describe('addressClass', () => {
  it('classifies every refused IPv4 range, at both ends', () => {
    const table: Array<[string, string]> = [
      ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
      ['0.0.0.0', 'unspecified'], ['0.255.255.255', 'unspecified'],
      ['10.0.0.1', 'private'], ['10.255.255.255', 'private'],
      ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
      ['192.168.0.1', 'private'], ['192.168.255.255', 'private'],
      ['100.64.0.1', 'cgnat'], ['100.127.255.255', 'cgnat'],
      ['169.254.0.1', 'link-local'], ['169.254.255.255', 'link-local'],
      ['169.254.169.254', 'metadata'], ['100.100.100.200', 'metadata'],
      ['224.0.0.1', 'multicast'], ['239.255.255.255', 'multicast'],
      ['240.0.0.1', 'reserved'], ['255.255.255.254', 'reserved'],
      ['255.255.255.255', 'broadcast'],
    ];
    for (const [address, klass] of table) assert.equal(addressClass(address), klass, address);
  });

  it('lets ordinary public IPv4 addresses through, including the neighbours of refused ranges', () => {
    for (const address of ['1.1.1.1', '8.8.8.8', '9.255.255.255', '11.0.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '100.63.255.255', '100.128.0.0', '169.253.255.255', '169.255.0.0', '223.255.255.255', '126.255.255.255', '128.0.0.0']) {
      assert.equal(addressClass(address), null, address);
    }
  });

  it('classifies IPv6 loopback, unspecified, ULA, link-local, site-local, multicast and metadata', () => {
    const table: Array<[string, string]> = [
      ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'], ['::', 'unspecified'],
      ['fc00::1', 'unique-local'], ['fdff:ffff::1', 'unique-local'],
      ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['febf::1', 'link-local'],
      ['fec0::1', 'site-local'], ['feff::1', 'site-local'],
      ['ff02::1', 'multicast'], ['ff00::', 'multicast'],
      ['fd00:ec2::254', 'metadata'],
      ['2001:db8::1', 'reserved'],
    ];
    for (const [address, klass] of table) assert.equal(addressClass(address), klass, address);
    for (const address of ['2606:4700:4700::1111', '2a00:1450:4001:80b::200e', 'fbff::1', 'fe7f::1']) assert.equal(addressClass(address), null, address);
  });

  it('classifies IPv6 forms that carry an IPv4 address by that address', () => {
    const table: Array<[string, string | null]> = [
      ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::FFFF:7F00:0001', 'loopback'],
      ['0:0:0:0:0:ffff:127.0.0.1', 'loopback'],
      ['::ffff:169.254.169.254', 'metadata'], ['::ffff:a9fe:a9fe', 'metadata'],
      ['::ffff:10.0.0.1', 'private'], ['::ffff:0:10.0.0.1', 'private'],
      ['::127.0.0.1', 'loopback'], ['::10.1.2.3', 'private'], ['::7f00:1', 'loopback'],
      ['64:ff9b::127.0.0.1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'metadata'], ['64:ff9b::808:808', null],
      ['2002:7f00:1::', 'loopback'], ['2002:a00:1::1', 'private'], ['2002:0808:0808::1', null],
      ['::ffff:8.8.8.8', null],
    ];
    for (const [address, klass] of table) assert.equal(addressClass(address), klass, address);
    assert.equal(embeddedIpv4('::ffff:7f00:1'), '127.0.0.1');
    assert.equal(embeddedIpv4('2002:a9fe:a9fe::'), '169.254.169.254');
    assert.equal(embeddedIpv4('2606:4700::1'), null);
  });

  it('refuses what is not an address at all rather than guessing', () => {
    for (const text of ['', 'localhost', '127.1', '0x7f.0.0.1', '2130706433', '::ffff:300.0.0.1']) assert.equal(addressClass(text), 'reserved', text);
  });
});
