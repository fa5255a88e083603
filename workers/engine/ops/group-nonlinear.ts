import type { OpDef } from '../op';
import { clipOp } from './clip';
import { eluOp } from './elu';
import { erfOp } from './erf';
import { geluOp } from './gelu';
import { hardSigmoidOp } from './hard-sigmoid';
import { hardSwishOp } from './hard-swish';
import { leakyReluOp } from './leaky-relu';
import { powOp } from './pow';
import { preluOp } from './prelu';
import { reluOp } from './relu';
import { seluOp } from './selu';
import { sigmoidOp } from './sigmoid';
import { logSoftmaxOp, softmaxOp } from './softmax';
import { softplusOp } from './softplus';
import { sqrtOp } from './sqrt';
import { tanhOp } from './tanh';

/**
 * Nonlinear activations. What each becomes in the surrogate mode (DESIGN.md §1); the local
 * mode uses the exact derivative at the reference, deconvnet and guided change only Relu
 * (Captum hooks nn.ReLU modules alone) and use the local derivative everywhere else.
 *
 * | op                          | surrogate                                   |
 * |-----------------------------|---------------------------------------------|
 * | Relu, LeakyRelu, PRelu, Elu | identity (the slope of the positive side)   |
 * | Selu, Softplus, Gelu        | identity (ReLU-like: slope 1 far right)     |
 * | HardSwish, Clip (ReLU6)     | identity                                    |
 * | Sigmoid                     | slope ¼ (the tangent at 0)                  |
 * | HardSigmoid                 | slope alpha (its linear piece)              |
 * | Tanh                        | identity (the tangent at 0)                 |
 * | Softmax, LogSoftmax, Erf,   | no linear counterpart: linearised at the    |
 * | Pow, Sqrt                   | reference input, as the local mode does     |
 */
export const nonlinearOps: OpDef[] = [
  reluOp,
  leakyReluOp,
  preluOp,
  eluOp,
  seluOp,
  sigmoidOp,
  hardSigmoidOp,
  tanhOp,
  softplusOp,
  geluOp,
  hardSwishOp,
  clipOp,
  softmaxOp,
  logSoftmaxOp,
  erfOp,
  powOp,
  sqrtOp,
];
