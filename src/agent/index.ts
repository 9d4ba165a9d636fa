/**
 * The language-model agent: plans a constellation from a request (create mode)
 * and steers it while it runs (edit mode), through an injected {@link ChatModel}.
 */
export { AgentEditSource, type AgentEditSourceOptions } from './agent-edit-source';
export { extractJsonObject, readEditAnswer, type EditAnswer, type ReadResult } from './answer';
export { AgentStats, type ChatExchange, type ChatMessage, type ChatModel, type ChatReply, type ChatUsage, type ExchangeListener } from './chat-model';
export { createPlan, PlanningError, readPlanAnswer, type PlanOptions, type PlanResult } from './planner';
export { DEFAULT_BUDGETS, type PromptBudgets } from './prompts/constellation-view';
export type { DeviceProfileLike } from './prompts/create-prompt';
export { ReviewingEditSource, type EditReviewer, type ProposedBatch, type ReviewVerdict } from './reviewing-edit-source';
