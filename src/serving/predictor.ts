import type { LoadedBundle, ModelFormat } from '../bundles/index.js';
import type { Row } from './rows.js';

/** One output tensor, in the Open Inference shape. */
export interface OutputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: number[];
  readonly data: number[] | string[];
}

/** The answer for a batch of rows: named tensors, and one MLflow-style prediction per row. */
export interface Prediction {
  readonly outputs: OutputTensor[];
  /** `{"predictions": …}` of the MLflow scoring protocol: a value (or a list of class scores) per row. */
  readonly predictions: unknown[];
}

/** A loaded model that can be called; built by a runtime from a verified bundle. */
export interface Predictor {
  readonly format: ModelFormat;
  /** Open Inference `platform`, e.g. `onnx_onnxv1`. */
  readonly platform: string;
  predict(rows: Row[]): Promise<Prediction> | Prediction;
  close(): Promise<void> | void;
}

/** Builds a predictor for one bundle format. */
export type PredictorFactory = (bundle: LoadedBundle) => Promise<Predictor>;

/** Splits a batch prediction back into the parts of the requests that made it up. */
export function slicePrediction(p: Prediction, start: number, count: number): Prediction {
  return {
    predictions: p.predictions.slice(start, start + count),
    outputs: p.outputs.map((o) => {
      const width = o.shape.slice(1).reduce((a, b) => a * b, 1);
      return { ...o, shape: [count, ...o.shape.slice(1)], data: o.data.slice(start * width, (start + count) * width) as number[] | string[] };
    }),
  };
}

/** Joins the prediction parts of several requests (same model) into one batch answer. */
export function concatRows(parts: readonly Row[][]): { rows: Row[]; offsets: number[] } {
  const offsets: number[] = [];
  const rows: Row[] = [];
  for (const part of parts) {
    offsets.push(rows.length);
    for (const r of part) rows.push(r);
  }
  return { rows, offsets };
}
