/** ONNX models on onnxruntime-node (CPU): loading from bytes, metadata, checked inference, JSON-safe outputs. */
export { loadOnnxModel, type OnnxModel, type OnnxModelOptions } from './onnx-model.js';
export { predictMatrix, matrixInput, type MatrixInput } from './predict-matrix.js';
export {
  toJsonArray,
  type OnnxElementType,
  type OnnxDim,
  type OnnxValueInfo,
  type OnnxTensorData,
  type OnnxTensorInput,
  type OnnxOutputData,
  type OnnxTensorOutput,
  type JsonTensorElement,
} from './tensor-types.js';
