import type { OpDef } from '../op';
import { addOp, divOp, mulOp, negOp, subOp } from './arithmetic';
import { castOp } from './cast';
import { comparisonOps, notOp } from './compare';
import { concatOp } from './concat';
import { constantOfShapeOp, constantOp } from './constant';
import { expandOp, tileOp } from './expand';
import { gatherOp } from './gather';
import { maxOp, meanOp, minOp, sumOp } from './nary';
import { rangeOp } from './range';
import { reduceMeanOp, reduceSumOp } from './reduce';
import { shapeOp, sizeOp } from './shape';
import { sliceOp } from './slice';
import { splitOp } from './split';
import { transposeOp } from './transpose';
import { absOp, ceilOp, floorOp, reciprocalOp } from './unary-math';
import { whereOp } from './where';

/** Tensor movement, shape arithmetic and elementwise arithmetic. */
export const tensorOps: OpDef[] = [
  transposeOp,
  concatOp,
  splitOp,
  sliceOp,
  gatherOp,
  expandOp,
  tileOp,
  reduceSumOp,
  reduceMeanOp,
  sumOp,
  meanOp,
  maxOp,
  minOp,
  negOp,
  addOp,
  subOp,
  mulOp,
  divOp,
  shapeOp,
  sizeOp,
  constantOp,
  constantOfShapeOp,
  castOp,
  rangeOp,
  ...comparisonOps,
  notOp,
  whereOp,
  floorOp,
  ceilOp,
  absOp,
  reciprocalOp,
];
