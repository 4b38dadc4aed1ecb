/**
 * Memory of the Lambda@Edge functions (lib/constructs/ocsp-edge.ts sets it) and of the figure the
 * cost model bills (reporting/cost-model.ts): one definition, so the priced GB-seconds are the
 * deployed ones. Lambda@Edge bills duration × configured memory, whatever the function uses.
 */
export const EDGE_FUNCTION_MEMORY_MB = 256;
