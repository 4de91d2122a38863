/**
 * Built-in layer chains (MODEL.md section 4), written as layer tuples.
 *
 * @module
 */
import type { ConvSpec, LayerSpec } from "./layers.ts";

const conv = (name: string, out: number, kernel: number, stride = 1, pad = 0): ConvSpec => ({
  type: "conv",
  name,
  out,
  kernel,
  stride,
  pad,
});
const maxpool = (name: string, kernel: number, stride: number, pad = 0): LayerSpec => ({
  type: "maxpool",
  name,
  kernel,
  stride,
  pad,
});
const fc = (name: string, out: number): LayerSpec => ({ type: "fc", name, out });

/** torchvision AlexNet (MODEL.md section 4): L = 11, L^con = 8. */
const alexnet: LayerSpec[] = [
  conv("conv1", 64, 11, 4, 2),
  maxpool("pool1", 3, 2),
  conv("conv2", 192, 5, 1, 2),
  maxpool("pool2", 3, 2),
  conv("conv3", 384, 3, 1, 1),
  conv("conv4", 256, 3, 1, 1),
  conv("conv5", 256, 3, 1, 1),
  maxpool("pool3", 3, 2),
  fc("fc6", 4096),
  fc("fc7", 4096),
  fc("fc8", 1000),
];

/** VGG16, configuration D: L = 21, L^con = 18. */
const vgg16: LayerSpec[] = (() => {
  const layers: LayerSpec[] = [];
  const stages = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]];
  let n = 0;
  stages.forEach(([channels, convs], s) => {
    for (let c = 0; c < convs; c++) layers.push(conv(`conv${++n}`, channels, 3, 1, 1));
    layers.push(maxpool(`pool${s + 1}`, 2, 2));
  });
  return [...layers, fc("fc1", 4096), fc("fc2", 4096), fc("fc3", 1000)];
})();

function basicBlock(name: string, out: number, stride: number, project: boolean): LayerSpec {
  return {
    type: "block",
    name,
    convs: [conv(`${name}.conv1`, out, 3, stride, 1), conv(`${name}.conv2`, out, 3, 1, 1)],
    ...(project ? { downsample: conv(`${name}.downsample`, out, 1, stride, 0) } : {}),
  };
}

/** ResNet18 as a block-level chain (MODEL.md A5): L = 12, L^con = 11. */
const resnet18: LayerSpec[] = [
  conv("conv1", 64, 7, 2, 3),
  maxpool("maxpool", 3, 2, 1),
  basicBlock("layer1.0", 64, 1, false),
  basicBlock("layer1.1", 64, 1, false),
  basicBlock("layer2.0", 128, 2, true),
  basicBlock("layer2.1", 128, 1, false),
  basicBlock("layer3.0", 256, 2, true),
  basicBlock("layer3.1", 256, 1, false),
  basicBlock("layer4.0", 512, 2, true),
  basicBlock("layer4.1", 512, 1, false),
  { type: "avgpool", name: "avgpool", kernel: 7, stride: 1 },
  fc("fc", 1000),
];

/** The built-in models by id. */
export const BUILTIN_MODELS: Readonly<Record<string, readonly LayerSpec[]>> = {
  alexnet,
  resnet18,
  vgg16,
};
