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
