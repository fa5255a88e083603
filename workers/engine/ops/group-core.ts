import type { OpDef } from '../op';
import { gemmOp } from './gemm';
import { matmulOp } from './matmul';
import { dropoutOp, flattenOp, identityOp, reshapeOp, squeezeOp, unsqueezeOp } from './reshape';

export const coreOps: OpDef[] = [gemmOp, matmulOp, identityOp, dropoutOp, flattenOp, reshapeOp, squeezeOp, unsqueezeOp];
