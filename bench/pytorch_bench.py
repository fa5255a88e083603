#!/usr/bin/env python3
"""PyTorch's time for the same galleries as bench/main.ts, on the same machine, in the same run.

Reads the architecture (model.json: nodes with ONNX op types and attributes) and the weights
(weights.npz) that bench/main.ts wrote, builds the network in PyTorch and times, for every
layer: one batched backward pass over all its neurons (seeds in chunks that fit memory), and
a per-neuron autograd loop (timed on a sample of neurons when the layer is large, and
scaled to the whole layer; the output says which). Prints one JSON object.
Usage: pytorch_bench.py DIR [--threads N] [--per-neuron-sample K]
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def build(spec, weights):
    params = {k: torch.from_numpy(np.ascontiguousarray(weights[k])) for k in weights.files}

    def run(x, until):
        values = {'input': x}
        for node in spec['nodes']:
            op, a, ins = node['opType'], node['attrs'], node['inputs']
            v = values[ins[0]]
            if op == 'Conv':
                p = a['pads']
                v = F.conv2d(v, params[ins[1]], params[ins[2]] if len(ins) > 2 else None, stride=a['strides'], padding=(p[0], p[1]))
            elif op == 'Gemm':
                v = F.linear(v, params[ins[1]], params[ins[2]] if len(ins) > 2 else None)
            elif op == 'BatchNormalization':
                v = F.batch_norm(v, params[ins[3]], params[ins[4]], params[ins[1]], params[ins[2]], False, 0.0, a.get('epsilon', 1e-5))
            elif op == 'AveragePool':
                p = a.get('pads', [0, 0, 0, 0])
                v = F.avg_pool2d(v, a['kernel_shape'], a['strides'], (p[0], p[1]), count_include_pad=bool(a.get('count_include_pad', 0)))
            elif op == 'GlobalAveragePool':
                v = v.mean(dim=(2, 3), keepdim=True)
            elif op == 'Add':
                v = v + values[ins[1]]
            elif op == 'Flatten':
                v = v.reshape(v.shape[0], -1)
            else:
                raise SystemExit(f'pytorch_bench: op {op} not handled')
            values[node['outputs'][0]] = v
            if node['outputs'][0] == until:
                return v
        raise SystemExit(f'pytorch_bench: no layer {until}')

    return run


def seeds_for(shape, neurons):
    """One-hot seeds at each channel's centre (conv) or each element (vector)."""
    s = torch.zeros((len(neurons),) + tuple(shape))
    for i, n in enumerate(neurons):
        if len(shape) == 3:
            s[i, n, (shape[1] - 1) // 2, (shape[2] - 1) // 2] = 1
        else:
            s[i, n] = 1
    return s


def main():
    directory = sys.argv[1]
    threads = int(sys.argv[sys.argv.index('--threads') + 1]) if '--threads' in sys.argv else 2
    sample = int(sys.argv[sys.argv.index('--per-neuron-sample') + 1]) if '--per-neuron-sample' in sys.argv else 32
    torch.set_num_threads(threads)
    spec = json.load(open(f'{directory}/model.json'))
    weights = np.load(f'{directory}/weights.npz')
    run = build(spec, weights)
    in_shape = tuple(spec['inputShape'])
    out = {'torch': torch.__version__, 'threads': threads, 'layers': []}
    with torch.no_grad():
        pass
    for layer in spec['layers']:
        shape = tuple(layer['featureShape'])
        n = layer['neurons']
        max_act = max(layer['maxActivation'], int(np.prod(in_shape)))
        chunk = max(1, min(n, (1 << 25) // max_act))
        t0 = time.perf_counter()
        for start in range(0, n, chunk):
            idx = list(range(start, min(n, start + chunk)))
            x = torch.zeros((len(idx),) + in_shape, requires_grad=True)
            y = run(x, layer['id'])
            y.backward(seeds_for(shape, idx))
            _ = x.grad
        batched = time.perf_counter() - t0
        picks = list(range(n)) if n <= sample else [int(round(i * (n - 1) / (sample - 1))) for i in range(sample)]
        t0 = time.perf_counter()
        for i in picks:
            x = torch.zeros((1,) + in_shape, requires_grad=True)
            y = run(x, layer['id'])
            (y * seeds_for(shape, [i])).sum().backward()
            _ = x.grad
        per = (time.perf_counter() - t0) * n / len(picks)
        out['layers'].append({'id': layer['id'], 'batched': batched, 'perNeuron': per, 'perNeuronSampled': len(picks) < n})
    print(json.dumps(out))


if __name__ == '__main__':
    main()
