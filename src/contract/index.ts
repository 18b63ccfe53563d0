export * from './common.ts';
export * from './requests.ts';
export * from './responses.ts';
export * from './intelligence.ts';
export * from './envelope.ts';
export * from './endpoints.ts';
export * from './voice.ts';
