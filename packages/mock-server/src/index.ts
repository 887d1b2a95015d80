export type { AccountId, KeyPairAccount } from './auth/authenticator.js';
export { DEMO_ACCOUNT } from './auth/authenticator.js';
export type { CallbackDelivery, CallbackOptions } from './callbacks/callback-dispatcher.js';
export type { ControlAccessOptions, ControlStatus } from './controls/control-access.js';
export { CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER } from './controls/control-access.js';
export type { Range } from './controls/control-bounds.js';
export { CONTROL_LIMITS, CONTROL_RANGES } from './controls/control-bounds.js';
export type {
  InspectedTask,
  MockConfig,
  MockConfigChanges,
  MockServerControls,
  MockStats,
} from './controls/mock-controls.js';
export type { MockDirectives } from './controls/mock-directives.js';
export { MOCK_DIRECTIVES_HEADER } from './controls/mock-directives.js';
export type { AnswerDrift, AnswerDriftChange } from './faults/answer-drift.js';
export type { FaultChanges, FaultOptions } from './faults/fault-injector.js';
export type { InjectErrorOptions } from './faults/injected-errors.js';
export type { OperationId, OperationKind } from './http/api-call.js';
export type { ListenOptions } from './http/node-listener.js';
export type { JournalEntry, JournalEntryBase, JournalFilter } from './journal/journal.js';
export type { TimingProfile, Timings } from './lifecycle/timings.js';
export { TIMING_PROFILES } from './lifecycle/timings.js';
export type { LimitChanges, LimitOptions } from './limits/account-limits.js';
export type { MockServer, MockServerOptions } from './mock-server.js';
export { createMockServer } from './mock-server.js';
export { PROMPT_MARKERS } from './outcomes/outcomes.js';
export { REPLAY_HEADER } from './pipeline/replay-stage.js';
export type { CassetteEntry, LoadedEntry } from './record/cassette.js';
export { CASSETTE_SUFFIX, readCassettes } from './record/cassette.js';
export type { DriftFinding, DriftRun } from './record/drift-report.js';
export type { Recorder, RecorderOptions } from './record/recorder.js';
export { createRecorder } from './record/recorder.js';
export type { SeedTask, SeedTaskFields } from './seed/seed-tasks.js';
export { SeedError } from './seed/seed-tasks.js';
export type { DocumentedErrorCode } from './validation/spec.js';
