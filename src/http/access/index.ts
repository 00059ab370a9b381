/** Who may call which route: the policy table, resource resolvers and the hooks that enforce them. */
export { installAccessControl, type AccessControlOptions } from './access-control.js';
export { PUBLIC_ROUTES, policyFor } from './route-policies.js';
export type { AccessPolicy, RolePolicy, ResourceLookup, ResourceResolver, SnapshotKind } from './policy.js';
export { visibleExperiments, visibleModels, visibleDatasets, visibleDeployments, readableExperimentIds } from './visibility.js';
