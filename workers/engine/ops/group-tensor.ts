import type { OpDef } from '../op';

export const tensorOps: OpDef[] = [];
