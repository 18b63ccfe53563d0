// Voice configuration: upstream mode only with both account id and key; webhook URL and secret together;
// the reference's base URL by default; https unless loopback.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.ts';

describe('voice configuration', () => {
  it('defaults to embedded mode with the reference base URL and the Standard plan limits', () => {
    const c = loadConfig({});
    expect(c.voiceAccountId).toBeUndefined();
    expect(c.voiceUrl).toBe('https://api.amplifierhealth.com');
    expect([c.voiceRateGeneral, c.voiceRateAnalyze]).toEqual([10, 5]);
    expect(c.voiceBodyLimitBytes).toBeGreaterThan(32 * 1024 * 1024);
    expect(c.bodyLimitBytes).toBe(1024 * 1024);
  });

  it('account id and key: both or neither', () => {
    expect(() => loadConfig({ VOICE_ACCOUNT_ID: 'acct' })).toThrow(ConfigError);
    expect(() => loadConfig({ VOICE_API_KEY: 'key' })).toThrow(ConfigError);
    expect(loadConfig({ VOICE_ACCOUNT_ID: 'acct', VOICE_API_KEY: 'key' })).toMatchObject({ voiceAccountId: 'acct', voiceApiKey: 'key' });
  });

  it('webhook URL and secret: both or neither, and a secret long enough to sign with', () => {
    expect(() => loadConfig({ VOICE_WEBHOOK_URL: 'https://tidemark.example/api/v1/voice/webhook' })).toThrow(ConfigError);
    expect(() => loadConfig({ VOICE_WEBHOOK_URL: 'https://x/api/v1/voice/webhook', VOICE_WEBHOOK_SECRET: 'short' })).toThrow(/16 characters/);
    expect(loadConfig({ VOICE_WEBHOOK_URL: 'https://x/api/v1/voice/webhook', VOICE_WEBHOOK_SECRET: 'a-long-enough-secret' }).voiceWebhookSecret).toBe('a-long-enough-secret');
  });

  it('VOICE_URL must be https unless loopback (the key would travel in clear)', () => {
    expect(() => loadConfig({ VOICE_URL: 'http://voice.example.com' })).toThrow(/https/);
    expect(loadConfig({ VOICE_URL: 'http://127.0.0.1:8081/voice-double/' }).voiceUrl).toBe('http://127.0.0.1:8081/voice-double');
    expect(() => loadConfig({ VOICE_RATE_ANALYZE_PER_MINUTE: '0' })).toThrow(ConfigError);
  });
});
