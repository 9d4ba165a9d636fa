import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redact } from '../../src/devices/session/aip-link';
import { profileOfSystemInfo } from '../../src/devices/session/aip-profile';
import { isLoopbackUrl } from '../../src/devices/protocol/loopback';

describe('AIP session: profile, redaction, loopback', () => {
  it("reads a UFO device's system_info as Galaxy does: platform is the OS, supported_features the capabilities", () => {
    const info = { device_id: 'desk', platform: 'windows', os_version: '10.0.22631', cpu_count: 8, memory_total_gb: 31.7, hostname: 'DESK-7', ip_address: '10.0.0.7', supported_features: ['gui', 'office', 'gui'], platform_type: 'computer', schema_version: '1.0', custom_metadata: {}, extra: 'ignored' };
    const { profile, problem } = profileOfSystemInfo('d1', info);
    assert.equal(problem, undefined);
    assert.deepEqual(profile, { id: 'd1', os: 'windows', arch: '', hostname: 'DESK-7', capabilities: ['gui', 'office'], concurrency: 1, version: 'AIP 1.0', metadata: { dialect: 'aip', osVersion: '10.0.22631', platformType: 'computer' } });
    assert.equal(profileOfSystemInfo('d1', { ...info, custom_metadata: { concurrency: 4 } }).profile.concurrency, 4, "our AIP device says how many tasks it runs at once");
    assert.equal(profileOfSystemInfo('d1', { ...info, custom_metadata: { concurrency: 1e9 } }).profile.concurrency, 1);
  });

  it('goes on with a bare profile, saying why, when the device info is missing, an error or malformed', () => {
    assert.equal(profileOfSystemInfo('d1', undefined).problem, undefined);
    assert.match(profileOfSystemInfo('d1', { error: 'device not found' }).problem ?? '', /no device info: device not found/);
    assert.match(profileOfSystemInfo('d1', [1, 2]).problem ?? '', /not an object/);
    const bad = profileOfSystemInfo('d1', { platform: 'linux', supported_features: 'gui' });
    assert.match(bad.problem ?? '', /malformed at supported_features/);
    assert.deepEqual(bad.profile.capabilities, []);
    assert.equal(bad.profile.os, 'unknown');
    // Nulls are what the reference writes for what it does not know.
    assert.equal(profileOfSystemInfo('d1', { platform: null, hostname: null, supported_features: null }).profile.os, 'unknown');
  });

  it('redacts the key wherever it appears, as written and URL-encoded', () => {
    assert.equal(redact('connect ws://h/ws?token=k%2By%2F1 failed: k+y/1', 'k+y/1'), 'connect ws://h/ws?token=*** failed: ***');
    assert.equal(redact('nothing here', ''), 'nothing here');
  });

  it("knows a loopback URL from another machine's", () => {
    assert.ok(isLoopbackUrl('ws://127.0.0.1:5000/ws'));
    assert.ok(isLoopbackUrl('ws://localhost:5000/ws'));
    assert.ok(isLoopbackUrl('ws://[::1]:5000/ws'));
    assert.ok(!isLoopbackUrl('ws://10.0.0.7:5000/ws'));
    assert.ok(!isLoopbackUrl('ws://127.0.0.1.example:5000/ws'));
    assert.ok(!isLoopbackUrl('not a url'));
  });
});
