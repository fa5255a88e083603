# Models for bench/ort-compare.ts (issue 9's kernel choice): python3 bench/ort_models.py DIR
import sys
import onnx, numpy as np
from onnx import helper, TensorProto, numpy_helper
rng = np.random.default_rng(0)
OUT = sys.argv[1]
def matmul(m, n, k):
    B = numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), 'B')
    g = helper.make_graph([helper.make_node('MatMul', ['A', 'B'], ['C'])], 'mm',
        [helper.make_tensor_value_info('A', TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info('C', TensorProto.FLOAT, [m, n])], [B])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), f'{OUT}/mm_{m}_{n}_{k}.onnx')
def convT(batch, cin, cout, h):
    # the reversal of a 3x3 pad-1 conv cout<-cin... : gy [batch, cout, h, h] -> gx [batch, cin, h, h]
    W = numpy_helper.from_array(rng.standard_normal((cout, cin, 3, 3)).astype(np.float32), 'W')
    g = helper.make_graph([helper.make_node('ConvTranspose', ['Y', 'W'], ['X'], pads=[1,1,1,1], kernel_shape=[3,3])], 'ct',
        [helper.make_tensor_value_info('Y', TensorProto.FLOAT, [batch, cout, h, h])],
        [helper.make_tensor_value_info('X', TensorProto.FLOAT, [batch, cin, h, h])], [W])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), f'{OUT}/ct_{batch}_{cin}_{cout}_{h}.onnx')
matmul(2304, 2048, 512); matmul(4608, 64, 512); matmul(1024, 784, 1024)
convT(16, 256, 256, 8); convT(16, 128, 128, 16)
