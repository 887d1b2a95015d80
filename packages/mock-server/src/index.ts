export type { AccountId, KeyPairAccount } from './auth/authenticator.js';
export { DEMO_ACCOUNT } from './auth/authenticator.js';
export type { CallbackDelivery, CallbackOptions } from './callbacks/callback-dispatcher.js';
export type { FaultOptions } from './faults/fault-injector.js';
export { PROMPT_MARKERS } from './http/api-routes.js';
export type { ListenOptions } from './http/node-listener.js';
export type { TimingProfile, Timings } from './lifecycle/timings.js';
export { TIMING_PROFILES } from './lifecycle/timings.js';
export type { LimitOptions } from './limits/account-limits.js';
export type {
  InspectedTask,
  MockConfig,
  MockServer,
  MockServerControls,
  MockServerOptions,
  MockStats,
} from './mock-server.js';
export { createMockServer } from './mock-server.js';
