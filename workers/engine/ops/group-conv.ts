import type { OpDef } from '../op';
import { averagePoolOp } from './average-pool';
import { batchNormalizationOp } from './batch-normalization';
import { convOp } from './conv';
import { convTransposeOp } from './conv-transpose';
import { globalAveragePoolOp } from './global-average-pool';
import { globalMaxPoolOp } from './global-max-pool';
import { maxPoolOp } from './max-pool';
import { padOp } from './pad';

export const convOps: OpDef[] = [
  convOp,
  convTransposeOp,
  averagePoolOp,
  globalAveragePoolOp,
  batchNormalizationOp,
  padOp,
  maxPoolOp,
  globalMaxPoolOp,
];
