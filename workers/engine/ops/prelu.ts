import { ModelError } from '../graph';
import { sameShape } from '../tensor';
import { elementwise } from './activation';
import { broadcastInto, broadcastShapes } from './broadcast-util';

/**
 * PRelu (ONNX Operators.md#PRelu): y = x for x > 0, slope·x otherwise, the slope broadcast
 * to x. The slope is a weight: it must be constant. Slope at 0 is the slope, as in PyTorch.
 */
export const preluOp = elementwise({
  type: 'PRelu',
  params(ctx) {
    const where = `node "${ctx.node.name}" (PRelu)`;
    const slope = ctx.constants[1];
    const shape = ctx.inputShapes[0];
    if (!slope || !shape) throw new ModelError(`${where}: the slope must be a constant tensor`);
    if (!sameShape(broadcastShapes(shape, slope.shape, `${where}: `), shape)) {
      throw new ModelError(`${where}: slope of shape [${slope.shape.join(',')}] does not broadcast to the input [${shape.join(',')}]`);
    }
    return broadcastInto(slope, shape);
  },
  perElementParams: true,
  value: (x, slope, i) => (x > 0 ? x : slope[i] * x),
  derivative: (x, _y, slope, i) => (x > 0 ? 1 : slope[i]),
  surrogate: { slope: 1 },
});
