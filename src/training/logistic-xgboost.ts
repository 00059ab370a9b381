import type { FittedStandardScale } from '../preprocessing/index.js';
import type { LogisticModelJson } from './logistic.js';

/**
 * A trained logistic regression as an XGBoost `gblinear` model plus the input step it needs, so
 * the same native evaluator serves it. Training saw z = (x̃ − mean) / scale with x̃ the value or,
 * when missing, the training median. The served input is u = (x − median) / scale, missing kept
 * missing (gblinear skips it), and the bias absorbs Σ w·(median − mean)/scale: for a present value
 * w·u + that share equals w·z, and for a missing one the share alone is w·z. Exact up to float32.
 */
export function logisticAsXgboost(model: LogisticModelJson): { modelJson: object; centering: FittedStandardScale } {
  const names = model.feature_names;
  let bias = model.bias;
  for (let j = 0; j < names.length; j++) bias += (model.weights[j]! * (model.medians[j]! - model.means[j]!)) / model.scales[j]!;
  const modelJson = {
    learner: {
      attributes: {},
      feature_names: names,
      feature_types: names.map(() => 'float'),
      gradient_booster: { name: 'gblinear', model: { weights: [...model.weights, bias] } },
      // base_score 0.5 is a margin of 0: the bias carries the intercept.
      learner_model_param: { base_score: '5E-1', boost_from_average: '0', num_class: '0', num_feature: String(names.length), num_target: '1' },
      objective: { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [1, 7, 4],
  };
  const centering: FittedStandardScale = {
    type: 'standard_scale',
    columns: names,
    handle_missing: 'keep',
    mean: model.medians,
    std: model.scales,
  };
  return { modelJson, centering };
}
