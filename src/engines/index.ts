// Placeholder signature (the engines are being written): the server and app import from here.
import type { EngineName, EngineRequest, EngineResponse } from '../contract/index.ts';

export interface EngineContext {
  /** Injected clock: engines never read the system time. */
  now: Date;
}

export function runEngine<E extends EngineName>(engine: E, request: EngineRequest<E>, ctx: EngineContext): EngineResponse<E> {
  void request;
  void ctx;
  throw new Error(`engine ${engine} not implemented yet`);
}
