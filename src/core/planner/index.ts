/** The decision engine (issue #4, docs/planner.md). */
export { plan } from './plan.js';
export { applyActions, buildActions } from './actions.js';
export { buildContext, isAllowed, nodeCapacity, pruneDominated } from './context.js';
export type { Candidate, NodeGroup, PlannerContext, PoolContext } from './context.js';
export { formulate } from './formulate.js';
export type { Formulation, FormulationMode, RowKind, RowRole, VariableRole } from './formulate.js';
export { activities, FEASIBILITY_TOLERANCE, objectiveAt, violations } from './milp.js';
export type { MilpConstraint, MilpLimits, MilpModel, MilpResult, MilpTerm, MilpVariable, Solver } from './milp.js';
export { DEFAULT_PLAN_OPTIONS, resolvePlanOptions } from './options.js';
export type { PlanOptions } from './options.js';
export { parseScenario } from './scenario.js';
export type { ParseScenarioOptions, Scenario, ScenarioProblem } from './scenario.js';
