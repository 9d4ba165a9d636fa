import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceFleet } from '../../src/devices/fleet';
import { cleanText, redact, withoutToken } from '../../src/devices/session/aip-link';
import { outcomeOfTaskEnd } from '../../src/devices/protocol/aip/outcome';
import { decodeServerFrame } from '../../src/devices/protocol/aip/frames';
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

  it('goes on with a bare profile when the device info is missing (the session says why), an error or malformed (it says why)', () => {
    assert.equal(profileOfSystemInfo('d1', undefined).problem, undefined);
    assert.equal(profileOfSystemInfo('d1', undefined).profile.os, 'unknown');
    assert.match(profileOfSystemInfo('d1', { error: 'device not found' }).problem ?? '', /no device info: device not found/);
    assert.match(profileOfSystemInfo('d1', [1, 2]).problem ?? '', /not an object/);
    const long = profileOfSystemInfo('d1', { platform: 'linux', hostname: 'h'.repeat(500), supported_features: [...Array.from({ length: 300 }, (_, i) => `f${i}`), 7, ''] });
    assert.equal(long.problem, undefined, 'one long field does not cost the whole profile');
    assert.equal(long.profile.hostname.length, 300);
    assert.equal(long.profile.capabilities.length, 200);
    const bad = profileOfSystemInfo('d1', { platform: 'linux', supported_features: 'gui' });
    assert.match(bad.problem ?? '', /malformed at supported_features/);
    assert.deepEqual(bad.profile.capabilities, []);
    assert.equal(bad.profile.os, 'unknown');
    // Nulls are what the reference writes for what it does not know.
    assert.equal(profileOfSystemInfo('d1', { platform: null, hostname: null, supported_features: null }).profile.os, 'unknown');
  });

  it('redacts the key wherever it appears: any token= value, and the key as written and in both URL encodings', () => {
    const key = 'my key~(1)/+x';
    const text = `a ${key} b ${encodeURIComponent(key)} c ${new URLSearchParams({ token: key }).toString()} d ws://h/ws?TOKEN=anything&x=1`;
    assert.equal(redact(text, key), 'a *** b *** c token=*** d ws://h/ws?TOKEN=***&x=1');
    // A key too short to search for is not hunted in free text (it would mangle words), only in token= values.
    assert.equal(redact('Unknown message type from ws://h?token=k', 'k'), 'Unknown message type from ws://h?token=***');
    assert.equal(redact('nothing here', ''), 'nothing here');
  });

  it('a key at the edge of a long server error is taken out before the text is bounded, not cut in two', () => {
    // A long key (UFO's keys are the user's) starting just inside the 2,000 characters shown.
    const key = `k3y-${'0123456789abcdef'.repeat(3)}`;
    for (const error of [`${'x'.repeat(1960)}${key} more`, undefined]) {
      const frame = decodeServerFrame(JSON.stringify({ type: 'task_end', status: 'failed', session_id: 's', error: error ?? null, result: error ? null : { failure: `${'y'.repeat(1960)}${key}` } }));
      assert.ok(frame.ok, 'a frame');
      const outcome = outcomeOfTaskEnd(frame.frame);
      assert.equal(outcome.status, 'failed');
      const shown = cleanText(outcome.status === 'failed' ? outcome.error.message : '', key);
      assert.ok(shown.length <= 2000, 'bounded');
      assert.doesNotMatch(shown, /k3y/, 'no piece of the key');
    }
  });

  it('takes a token parameter out of a URL, however it is spelled', () => {
    assert.equal(withoutToken('ws://h:5000/ws?token=K'), 'ws://h:5000/ws');
    assert.equal(withoutToken('ws://h:5000/ws?%74oken=K&x=1'), 'ws://h:5000/ws?x=1');
    assert.equal(withoutToken('ws://h:5000/ws'), 'ws://h:5000/ws');
  });

  it('a key written into a device URL (settings are not checked as devices.json is) is in neither the session URL nor the run\'s device metadata', () => {
    const fleet = new DeviceFleet([{ id: 'ufo', url: 'ws://127.0.0.1:5000/ws?token=written-here-0123456789', token: 'the-real-key-0123456789', dialect: 'aip' }], { orchestratorId: 'o' });
    assert.equal(fleet.sessions[0]!.url, 'ws://127.0.0.1:5000/ws');
    assert.deepEqual(fleet.specs()[0]!.metadata, { url: 'ws://127.0.0.1:5000/ws', dialect: 'aip' });
    fleet.close();
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
