/** The action engine (issue #7): executes plans through providers with a journal, guardrails and modes. */
export { ActionEngine, type ActionEngineOptions, type ReconcileReport, type ScaleRequest, type SubmitInput } from './engine.js';
export { DEFAULT_ENGINE_SETTINGS, DEFAULT_POOL_ACTUATION, type EngineSettings, type PoolActuation, type ReadinessPolicy } from './policy.js';
export { staticProviders, type ProviderResolver } from './providers.js';
export { timerSleep, withProviderRetry, withRateLimit, type ProviderRetryOptions, type RateLimitOptions, type Sleep } from './wrappers.js';
