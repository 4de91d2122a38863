/**
 * The dense layer every learning network is built from: `x W + b`, then
 * ReLU when asked.
 *
 * On the wasm backend it is one SIMD kernel forward and one backward
 * (`../kernels/dense.ts` on the products of `../kernels/gemm.ts`).
 * Elsewhere (the CPU backend, or `VECSCENE_KERNELS=tfjs`) it is tfjs ops
 * with a custom gradient that transposes explicitly (`tf.transpose`, then a
 * plain `matMul`) rather than through matMul's `transposeA`/`transposeB`
 * flags, which take a slow path on the wasm backend; the forward pass is one
 * fused matMul + bias (+ ReLU).
 *
 * @module
 */
import { tf } from "./backend.ts";
import { DENSE, DENSE_GRAD, type DenseGradPart, hasDenseKernels } from "../kernels/dense.ts";

type Tensor = tf.Tensor;

/** Sums `g` down to the shape of a bias that was broadcast against it. */
function reduceToBias(g: Tensor, bias: Tensor): Tensor {
  if (bias.rank === g.rank && bias.shape[0] === g.shape[0]) return g;
  return tf.sum(g, 0);
}

/** One fused kernel when the bias is a vector (the wasm kernel takes rank-1 biases only). */
function fusedMatMul(x: Tensor, w: Tensor, b: Tensor, relu: boolean): Tensor {
  if (b.rank === 1) {
    return tf.fused.matMul({
      a: x as tf.Tensor2D,
      b: w as tf.Tensor2D,
      bias: b,
      activation: relu ? "relu" : "linear",
    });
  }
  const z = tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
  return relu ? tf.relu(z) : z;
}

const denseRelu = tf.customGrad((x, w, b, save) => {
  const [xt, wt, bt] = [x, w, b] as Tensor[];
  const y = fusedMatMul(xt, wt, bt, true);
  (save as tf.GradSaveFunc)([xt, wt, bt, y]);
  return {
    value: y,
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [xs, ws, bs, ys] = saved;
      const g = tf.mul(dy, tf.step(ys));
      return [
        tf.matMul(g as tf.Tensor2D, tf.transpose(ws)),
        tf.matMul(tf.transpose(xs), g as tf.Tensor2D),
        reduceToBias(g, bs),
      ];
    },
  };
});

const denseLinear = tf.customGrad((x, w, b, save) => {
  const [xt, wt, bt] = [x, w, b] as Tensor[];
  const y = fusedMatMul(xt, wt, bt, false);
  (save as tf.GradSaveFunc)([xt, wt, bt]);
  return {
    value: y,
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [xs, ws, bs] = saved;
      return [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)),
        tf.matMul(tf.transpose(xs), dy as tf.Tensor2D),
        reduceToBias(dy, bs),
      ];
    },
  };
});

/**
 * The dense kernel's gradient (wasm backend): one function per input, each
 * one kernel call, so tfjs computes only the gradients on a path to what is
 * differentiated (not the input's when the input is data, e.g. a state or
 * the chain's first noise).
 */
tf.registerGradient({
  kernelName: DENSE,
  inputsToSave: ["x", "w"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, w, y] = saved;
    const { relu, rowBias } = attrs as unknown as { relu: boolean; rowBias: boolean };
    const part = (which: DenseGradPart) => () =>
      tf.engine().runKernel(DENSE_GRAD, { dy: dy as Tensor, x, w, y }, {
        relu,
        rowBias,
        part: which,
      }) as Tensor;
    return { x: part("x"), w: part("w"), b: part("b") };
  },
});

/**
 * `x W + b`, then ReLU when `relu` is set. `b` is a vector, or a matrix with
 * one row per row of `x` (a per-sample bias).
 */
export function dense(x: Tensor, w: Tensor, b: Tensor, relu: boolean): Tensor {
  if (hasDenseKernels()) {
    return tf.engine().runKernel(DENSE, { x, w, b }, { relu, rowBias: b.rank === 2 }) as Tensor;
  }
  return (relu ? denseRelu : denseLinear)(x, w, b) as Tensor;
}
