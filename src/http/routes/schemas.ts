import { Type } from 'typebox';

/* Schemas shared by the native routes. */

/** `{key, value}`: a tag or a param. */
export const TagSchema = Type.Object(
  {
    key: Type.String({ description: 'Key: letters, digits and _ - . space / : (at most 250 characters).' }),
    value: Type.String({ description: 'Value.' }),
  },
  { description: 'A key and its value.' },
);

/** The error body of every failed request. */
export const ErrorSchema = Type.Object(
  {
    error_code: Type.String({ description: 'Stable code, e.g. RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE.' }),
    message: Type.String({ description: 'What was wrong, naming the field.' }),
  },
  { description: 'Error answer.' },
);

/** Error answers shared by every route. */
export const ERROR_RESPONSES = { '4xx': ErrorSchema };

/** Ground-truth labels for earlier predictions, by prediction id (and row, for multi-row requests). */
export const FeedbackBodySchema = Type.Object({
  labels: Type.Array(Type.Object({
    prediction_id: Type.String(),
    row: Type.Optional(Type.Integer({ minimum: 0 })),
    label: Type.Unknown({ description: 'The ground truth: a class, a 0/1 outcome, or a number.' }),
  }), { minItems: 1, maxItems: 10_000 }),
}, { additionalProperties: false });
