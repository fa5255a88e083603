#!/usr/bin/env python3
"""Torchvision-shaped MobileNetV2 and ResNet-18 for the speed benchmark (issue 18).

    real_models.py export DIR            writes the ONNX files bench/main.ts times
    real_models.py time DIR NAME [--threads N]
                                         PyTorch's batched backward over the same layers, as JSON

Torchvision is not needed: the architectures are written out here as torchvision defines
them (MobileNetV2 width 1.0 with its inverted-residual table; ResNet-18 with BasicBlocks),
with fixed-seed random weights and batch-norm statistics. Exported in eval mode, so
PyTorch folds batch norm into the convolutions as a user's export would.
Variants: `linear` replaces ReLU6/ReLU by the identity (so the exact mode applies), `relu6`
keeps them. Layers are the ONNX layers (DESIGN.md §2): every Conv, Clip/Relu, Add,
the global pooling and the classifier; the timing walks the same list.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

MODELS = {
    'mobilenetv2-64-linear': ('mobilenetv2', 64, False),
    'mobilenetv2-64-relu6': ('mobilenetv2', 64, True),
    'mobilenetv2-224-linear': ('mobilenetv2', 224, False),
    'mobilenetv2-224-relu6': ('mobilenetv2', 224, True),
    'resnet18-112-linear': ('resnet18', 112, False),
}


class Recorder(nn.Module):
    """Runs a flat list of steps; each step's output is one layer. `until` stops after that layer."""

    def forward_until(self, x, until):
        values = []
        for k, step in enumerate(self.steps()):
            x = step(x, values)
            values.append(x)
            if k == until:
                return x
        return x

    def forward(self, x):
        return self.forward_until(x, -1)


def act(nonlinear):
    return nn.ReLU6() if nonlinear else nn.Identity()


class ConvBN(nn.Module):
    def __init__(self, cin, cout, k, stride, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class MobileNetV2(Recorder):
    # t (expansion), c (channels), n (repeats), s (first stride): torchvision's table.
    SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]

    def __init__(self, nonlinear):
        super().__init__()
        self.nonlinear = nonlinear
        self.mods = nn.ModuleList()
        self.plan = []  # (kind, module index or residual source offset)
        cin = 32
        self._conv(3, 32, 3, 2, act_after=True)
        for t, c, n, s in self.SETTING:
            for i in range(n):
                stride = s if i == 0 else 1
                start = len(self.plan) - 1
                hidden = cin * t
                if t != 1:
                    self._conv(cin, hidden, 1, 1, act_after=True)
                self._conv(hidden, hidden, 3, stride, groups=hidden, act_after=True)
                self._conv(hidden, c, 1, 1, act_after=False)
                if stride == 1 and cin == c:
                    self.plan.append(('add', start))
                cin = c
        self._conv(cin, 1280, 1, 1, act_after=True)
        self.plan.append(('pool', None))
        self.mods.append(nn.Linear(1280, 1000))
        self.plan.append(('fc', len(self.mods) - 1))

    def _conv(self, cin, cout, k, stride, groups=1, act_after=False):
        self.mods.append(ConvBN(cin, cout, k, stride, groups))
        self.plan.append(('mod', len(self.mods) - 1))
        if act_after and self.nonlinear:
            self.mods.append(act(True))
            self.plan.append(('mod', len(self.mods) - 1))

    def steps(self):
        for kind, arg in self.plan:
            if kind == 'mod':
                yield lambda x, values, m=self.mods[arg]: m(x)
            elif kind == 'add':
                yield lambda x, values, src=arg: x + values[src]
            elif kind == 'pool':
                yield lambda x, values: x.mean(dim=(2, 3), keepdim=True)
            else:
                yield lambda x, values, m=self.mods[arg]: m(torch.flatten(x, 1))


class ResNet18(Recorder):
    def __init__(self, nonlinear):
        super().__init__()
        self.nonlinear = nonlinear
        self.mods = nn.ModuleList()
        self.plan = []
        self._conv(3, 64, 7, 2, relu=True)
        self.plan.append(('maxpool', None) if nonlinear else ('avgpool', None))
        cin = 64
        for c, s in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            for i in range(2):
                stride = s if i == 0 else 1
                start = len(self.plan) - 1
                self._conv(cin, c, 3, stride, relu=True)
                self._conv(c, c, 3, 1, relu=False)
                if stride != 1 or cin != c:
                    self.mods.append(ConvBN(cin, c, 1, stride))
                    self.plan.append(('shortcut', (len(self.mods) - 1, start)))
                    self.plan.append(('add', -2))
                else:
                    self.plan.append(('add', start))
                if nonlinear:
                    self.mods.append(nn.ReLU())
                    self.plan.append(('mod', len(self.mods) - 1))
                cin = c
        self.plan.append(('pool', None))
        self.mods.append(nn.Linear(512, 1000))
        self.plan.append(('fc', len(self.mods) - 1))

    def _conv(self, cin, cout, k, stride, relu=False):
        self.mods.append(ConvBN(cin, cout, k, stride))
        self.plan.append(('mod', len(self.mods) - 1))
        if relu and self.nonlinear:
            self.mods.append(nn.ReLU())
            self.plan.append(('mod', len(self.mods) - 1))

    def steps(self):
        for kind, arg in self.plan:
            if kind == 'mod':
                yield lambda x, values, m=self.mods[arg]: m(x)
            elif kind == 'shortcut':
                # The 1×1 projection reads the block's input (the layer before the block).
                yield lambda x, values, m=self.mods[arg[0]], src=arg[1]: m(values[src])
            elif kind == 'add':
                # -2: the block's output (two steps back) plus the shortcut just computed.
                yield (lambda x, values: x + values[-2]) if arg == -2 else (lambda x, values, src=arg: x + values[src])
            elif kind == 'maxpool':
                yield lambda x, values: nn.functional.max_pool2d(x, 3, 2, 1)
            elif kind == 'avgpool':
                yield lambda x, values: nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=True)
            elif kind == 'pool':
                yield lambda x, values: x.mean(dim=(2, 3), keepdim=True)
            else:
                yield lambda x, values, m=self.mods[arg]: m(torch.flatten(x, 1))


def build(name):
    arch, size, nonlinear = MODELS[name]
    torch.manual_seed(0)
    model = MobileNetV2(nonlinear) if arch == 'mobilenetv2' else ResNet18(nonlinear)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            # Fixed-seed statistics so that the folded weights are not the identity's.
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    model.eval()
    return model, size


def export(directory):
    os.makedirs(directory, exist_ok=True)
    for name in MODELS:
        model, size = build(name)
        path = os.path.join(directory, f'{name}.onnx')
        torch.onnx.export(model, torch.zeros(1, 3, size, size), path, opset_version=13, input_names=['input'], output_names=['logits'])
        print(path)


def layer_outputs(model, size):
    with torch.no_grad():
        shapes = []
        x = torch.zeros(1, 3, size, size)
        values = []
        for step in model.steps():
            x = step(x, values)
            values.append(x)
            shapes.append(tuple(x.shape[1:]))
    return shapes


def seeds_for(shape, start, count):
    s = torch.zeros((count,) + shape)
    for i in range(count):
        n = start + i
        if len(shape) == 3:
            s[i, n, (shape[1] - 1) // 2, (shape[2] - 1) // 2] = 1
        else:
            s[i, n] = 1
    return s


def time_gallery(name, threads):
    """One batched backward per layer (seeds in chunks that fit memory), as bench/pytorch_bench.py does."""
    torch.set_num_threads(threads)
    model, size = build(name)
    shapes = layer_outputs(model, size)
    # Layers are step outputs except those a reshape-only step makes (none here) and the pool's 1×1 maps count once.
    in_size = 3 * size * size
    largest = max(max(int(torch.tensor(s).prod()) for s in shapes), in_size)
    t0 = time.perf_counter()
    neurons = 0
    for k, shape in enumerate(shapes):
        n = shape[0]
        neurons += n
        chunk = max(1, min(n, (1 << 22) // largest))  # autograd keeps every intermediate: bounded so a chunk fits in memory
        for start in range(0, n, chunk):
            count = min(chunk, n - start)
            x = torch.zeros((count, 3, size, size), requires_grad=True)
            y = model.forward_until(x, k)
            y.backward(seeds_for(shape, start, count))
            _ = x.grad
    seconds = time.perf_counter() - t0
    print(json.dumps({'torch': torch.__version__, 'threads': threads, 'model': name, 'layers': len(shapes), 'neurons': neurons, 'batched': seconds}))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == 'export':
        export(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == 'time':
        threads = int(sys.argv[sys.argv.index('--threads') + 1]) if '--threads' in sys.argv else 2
        time_gallery(sys.argv[3], threads)
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
