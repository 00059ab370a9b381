import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkRows, modelMetadata, parseCsv, parseInferRequest, parseScoringRequest } from '../../src/serving/index.js';
import type { ModelSignature } from '../../src/bundles/index.js';

const signature: ModelSignature = {
  inputs: [
    { name: 'age', type: 'long', nullable: false },
    { name: 'income', type: 'double' },
    { name: 'purpose', type: 'string', categories: ['car', 'medical'] },
    { name: 'has_garage', type: 'boolean' },
  ],
  outputs: [{ name: 'probability', dtype: 'float32', shape: [null] }],
};
const matrixSignature: ModelSignature = { ...signature, input_tensor: { name: 'input', dtype: 'float32', shape: [null, 4] } };
const expected = [
  { age: 42, income: 52300, purpose: 'car', has_garage: true },
  { age: 30, income: null, purpose: 'medical', has_garage: false },
];
const json = (body: unknown) => parseScoringRequest(body, 'application/json', signature);

describe('MLflow scoring requests', () => {
  it('reads every format into the same records', () => {
    const columns = ['age', 'income', 'purpose', 'has_garage'];
    const data = expected.map((r) => columns.map((c) => r[c as keyof typeof r]));
    const forms = [
      json({ dataframe_split: { columns, data } }),
      json({ dataframe_split: { columns, data, index: [0, 1] } }),
      json({ dataframe_records: expected }),
      json({ instances: expected }),
      json({ instances: data }),
      json({ inputs: Object.fromEntries(columns.map((c) => [c, expected.map((r) => r[c as keyof typeof r])])) }),
      json({ inputs: expected, params: { threshold: 0.5 } }),
      parseScoringRequest('age,income,purpose,has_garage\n42,52300,car,true\n30,,medical,false\n', 'text/csv; charset=utf-8', signature).map((r) => ({
        ...r,
        has_garage: r.has_garage === 'true',
      })),
    ];
    for (const form of forms) expect(checkRows(form, signature)).toEqual(expected);
  });

  it.each([
    [{}, 'exactly one'],
    [{ dataframe_records: [], instances: [] }, 'exactly one'],
    [{ dataframe_records: [], extra: 1 }, 'extra'],
    [{ dataframe_split: { columns: ['a'], data: [[1, 2]] } }, 'row 0 has 2 values for 1 columns'],
    [{ dataframe_records: {} }, 'must be a list'],
    [{ instances: [[1, 2]] }, 'row 0 has 2 values; this model takes 4'],
    [{ inputs: { age: [1, 2], income: [1] } }, 'different lengths'],
  ])('refuses %o naming what is wrong', (body, message) => {
    expect(() => json(body)).toThrow(message);
  });

  it('refuses other content types and broken CSV', () => {
    expect(() => parseScoringRequest('x', 'application/xml', signature)).toThrow(/application\/json or text\/csv/);
    expect(() => parseCsv('a,b\n1\n')).toThrow(/line 2 has 1 fields/);
    expect(() => parseCsv('a\n"open')).toThrow(/quoted field/);
  });

  it('reads quoted CSV fields as written (property)', () => {
    const cell = fc.string({ maxLength: 12 }).filter((s) => s.trim() === s && s !== '' && Number.isNaN(Number(s)));
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 5 }), (rows) => {
        const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
        const text = `a,b\r\n${rows.map(([x, y]) => `${quote(x)},${quote(y)}`).join('\r\n')}\r\n`;
        expect(parseCsv(text)).toEqual(rows.map(([a, b]) => ({ a, b })));
      }),
    );
  });
});

describe('checking records against the signature', () => {
  it.each([
    [[{ income: 1, purpose: 'car', has_garage: true }], "Missing column 'age' in row 0"],
    [[expected[0], { ...expected[0], age: null }], "row 1, column 'age'"],
    [[{ ...expected[0], zip: '94110' }], "column 'zip' is not an input"],
    [[expected[0], expected[0], { ...expected[0], income: 'lots' }], "Expected a number at row 2, column 'income'"],
    [[{ ...expected[0], age: 42.5 }], "Expected an integer at row 0, column 'age'"],
    [[{ ...expected[0], has_garage: 'yes' }], "Expected true or false at row 0, column 'has_garage'"],
    [[{ ...expected[0], income: Infinity }], 'finite'],
  ])('refuses %o naming row and column', (rows, message) => {
    expect(() => checkRows(rows as Record<string, unknown>[], signature)).toThrow(message);
  });

  it('applies the unknown-category policy and can drop extra columns', () => {
    const rows = [{ ...expected[0], purpose: 'crypto' }];
    expect(checkRows(rows, signature)[0]!.purpose).toBe('crypto');
    expect(() => checkRows(rows, signature, { unknownCategories: 'error' })).toThrow(/Unknown category 'crypto' at row 0, column 'purpose'/);
    expect(checkRows([{ ...expected[0], zip: 1 }], signature, { extraColumns: 'drop' })).toEqual([expected[0]]);
  });
});

describe('Open Inference requests', () => {
  const columnsRequest = {
    id: 'req-1',
    inputs: [
      { name: 'age', shape: [2], datatype: 'INT64', data: [42, 30] },
      { name: 'income', shape: [2, 1], datatype: 'FP64', data: [[52300], [null]] },
      { name: 'purpose', shape: [2], datatype: 'BYTES', data: ['car', 'medical'] },
      { name: 'has_garage', shape: [2], datatype: 'BOOL', data: [true, false] },
    ],
    outputs: [{ name: 'probability' }],
  };

  it('reads one tensor per column, echoing the id and the requested outputs', () => {
    const parsed = parseInferRequest(columnsRequest, signature);
    expect(parsed.id).toBe('req-1');
    expect(parsed.outputs).toEqual(['probability']);
    expect(checkRows(parsed.rows, signature)).toEqual(expected);
  });

  it('reads one [N, F] matrix for a model with a matrix input, nested or flat', () => {
    for (const data of [[[42, 52300, 1, 1], [30, null, 0, 0]], [42, 52300, 1, 1, 30, null, 0, 0]]) {
      const parsed = parseInferRequest({ inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data }] }, matrixSignature);
      expect(parsed.rows).toEqual([
        { age: 42, income: 52300, purpose: 1, has_garage: 1 },
        { age: 30, income: null, purpose: 0, has_garage: 0 },
      ]);
    }
  });

  it.each([
    [{ inputs: [] }, 'non-empty'],
    [{ inputs: [{ name: 'age', shape: [3], datatype: 'INT64', data: [1, 2] }] }, 'has 2 values for shape [3]'],
    [{ inputs: [{ name: 'age', shape: [1], datatype: 'INT64', data: ['x'] }] }, 'is not a INT64 value'],
    [{ inputs: [{ name: 'zip', shape: [1], datatype: 'INT64', data: [1] }] }, "Input 'zip' is not an input"],
    [{ inputs: [{ name: 'age', shape: [1, 2], datatype: 'INT64', data: [1, 2] }] }, 'must have shape [N]'],
    [{ inputs: [{ name: 'age', shape: [1], datatype: 'INT64', data: [1] }, { name: 'income', shape: [2], datatype: 'FP64', data: [1, 2] }] }, 'different first dimensions'],
    [{ inputs: [{ name: 'age', shape: [1], datatype: 'INT64', data: [1] }, { name: 'age', shape: [1], datatype: 'INT64', data: [1] }] }, 'sent twice'],
    [{ id: 5, inputs: [{ name: 'age', shape: [1], datatype: 'INT64', data: [1] }] }, "'id' must be a string"],
  ])('refuses %o', (body, message) => {
    expect(() => parseInferRequest(body, signature)).toThrow(message);
  });

  it('refuses a matrix of the wrong width', () => {
    expect(() => parseInferRequest({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, matrixSignature)).toThrow(/shape \[N, 4\]/);
  });

  it('describes the model in the protocol shape', () => {
    expect(modelMetadata('credit', ['3'], 'puente_xgboost', signature)).toMatchObject({
      name: 'credit',
      versions: ['3'],
      platform: 'puente_xgboost',
      inputs: [
        { name: 'age', datatype: 'INT64', shape: [-1] },
        { name: 'income', datatype: 'FP64', shape: [-1] },
        { name: 'purpose', datatype: 'BYTES', shape: [-1] },
        { name: 'has_garage', datatype: 'BOOL', shape: [-1] },
      ],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1] }],
    });
    expect(modelMetadata('m', [], 'onnx_onnxv1', matrixSignature).inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
  });
});
