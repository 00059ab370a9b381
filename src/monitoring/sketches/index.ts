/** Reference profiles and current-window sketches. */
export { SeededRandom } from './random.js';
export { Reservoir } from './reservoir.js';
export {
  MAX_DISTINCT_VALUES,
  DEFAULT_SAMPLE_SIZE,
  profileNumeric,
  profileCategorical,
  profileColumn,
  buildReferenceProfile,
  profileToJSON,
  profileFromJSON,
  type ColumnType,
  type ColumnData,
  type ColumnProfile,
  type NumericColumnProfile,
  type CategoricalColumnProfile,
  type ReferenceProfile,
  type ProfileOptions,
} from './profile.js';
export {
  MAX_NEW_CATEGORIES,
  OTHER_CATEGORY,
  NumericWindowSketch,
  CategoricalWindowSketch,
  DatasetWindow,
  createWindowSketch,
  numericValue,
  windowFromColumns,
  type WindowSketch,
  type WindowOptions,
} from './window.js';
