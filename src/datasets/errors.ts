import { PuenteError } from '../errors/index.js';

/** Where in a data file a problem is: 1-based line, and the column by name and 1-based position. */
export interface DataLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: string;
  readonly column_number?: number;
}

/**
 * A data file that cannot be read as the format or schema it claims: the message names the
 * file, the line and the column, so the person who has the file can find the spot.
 */
export class DataFormatError extends PuenteError {
  readonly location: DataLocation;
  /** What is wrong, without the location. */
  readonly problem: string;

  constructor(location: DataLocation, problem: string) {
    super('INVALID_PARAMETER_VALUE', `${describeLocation(location)}: ${problem}`, { ...location });
    this.location = location;
    this.problem = problem;
  }
}

function describeLocation(l: DataLocation): string {
  const parts = [l.file];
  if (l.line !== undefined) parts.push(`line ${l.line}`);
  if (l.column !== undefined) parts.push(`column '${l.column}'${l.column_number !== undefined ? ` (${l.column_number})` : ''}`);
  else if (l.column_number !== undefined) parts.push(`column ${l.column_number}`);
  return parts.join(', ');
}
