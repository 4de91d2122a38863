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
import { DENSE, DENSE_GRAD, hasDenseKernels } from "../kernels/dense.ts";

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

/** The dense layer on the SIMD kernels of `../kernels/dense.ts` (wasm backend). */
function fastDense(relu: boolean) {
  return tf.customGrad((x, w, b, save) => {
    const [xt, wt, bt] = [x, w, b] as Tensor[];
    const y = tf.engine().runKernel(DENSE, { x: xt, w: wt, b: bt }, { relu }) as Tensor;
    (save as tf.GradSaveFunc)([xt, wt, y]);
    const rowBias = bt.rank === 2;
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, ws, ys] = saved;
        return tf.engine().runKernel(
          DENSE_GRAD,
          { dy, x: xs, w: ws, y: ys },
          { relu, rowBias },
        ) as Tensor[];
      },
    };
  });
}

const fastRelu = fastDense(true);
const fastLinear = fastDense(false);

/**
 * `x W + b`, then ReLU when `relu` is set. `b` is a vector, or a matrix with
 * one row per row of `x` (a per-sample bias).
 */
export function dense(x: Tensor, w: Tensor, b: Tensor, relu: boolean): Tensor {
  if (hasDenseKernels()) return (relu ? fastRelu : fastLinear)(x, w, b) as Tensor;
  return (relu ? denseRelu : denseLinear)(x, w, b) as Tensor;
}
