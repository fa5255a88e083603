#!/usr/bin/python3
"""Trains the small MNIST CNN of the start screen's examples and exports it to ONNX.

Data: the MNIST test set (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0), the files
t10k-images-idx3-ubyte.gz (sha256 d7f33aae…e523, 1,648,877 bytes) and t10k-labels-idx1-ubyte.gz
(sha256 bb2ac24e…8314, 4,542 bytes), as published with the dataset and mirrored in the public
GitHub repository chanokin/spike_conv_nets (commit d5a9670b). The 60,000-image training file was
not at hand without a network, so the 10,000 test images are split once (seed 0): 8,000 to
train on, 2,000 held out to measure accuracy. The data is not committed.

Usage: /usr/bin/python3 train.py DATA_DIR   (Debian's python3-torch and python3-onnx)
Writes mnist-cnn.onnx beside this script and prints the held-out accuracy.
"""
import gzip
import hashlib
import os
import sys
from collections import OrderedDict

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SHA256 = {
    "t10k-images-idx3-ubyte.gz": "d7f33aaedb24a29ee3606aad17f2f40cbe36091cd6a6ba52c28bbf608389e523",
    "t10k-labels-idx1-ubyte.gz": "bb2ac24e65fbd4d50592073f69b8c55add4a82bbb717d1af6bcbfc0c88178314",
}


def idx(path, offset):
    raw = open(path, "rb").read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256[os.path.basename(path)]:
        sys.exit(f"{path}: sha256 {digest} is not the MNIST file this script expects")
    return np.frombuffer(gzip.decompress(raw)[offset:], dtype=np.uint8)


def main(data_dir):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    images = idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), 16).reshape(-1, 1, 28, 28)
    labels = idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), 8)
    x = torch.tensor(images, dtype=torch.float32) / 255.0  # the model's input: pixels in [0, 1]
    y = torch.tensor(labels, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    train, held_out = order[:8000], order[8000:]

    model = nn.Sequential(OrderedDict([  # the names become the layers' names in the ONNX file
        ("conv1", nn.Conv2d(1, 16, 5, padding=2)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(16, 32, 5, padding=2)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()), ("digits", nn.Linear(32 * 7 * 7, 10)),
    ]))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    for epoch in range(12):
        model.train()
        for batch in train[torch.randperm(len(train))].split(64):
            optimiser.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(x[held_out]).argmax(1) == y[held_out]).float().mean().item()
        print(f"epoch {epoch + 1}: held-out accuracy {accuracy:.4f}", flush=True)

    out = os.path.join(HERE, "mnist-cnn.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out, opset_version=13,
                      input_names=["image"], output_names=["logits"])
    print(f"wrote {out} ({os.path.getsize(out)} bytes); held-out accuracy {accuracy:.4f} on 2,000 images")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
