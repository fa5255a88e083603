import type { OpDef } from '../op';

export const nonlinearOps: OpDef[] = [];
