import type { OpDef } from '../op';

export const convOps: OpDef[] = [];
