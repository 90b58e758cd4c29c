export {
  JsonNumber,
  isValidJson,
  JsonSyntaxError,
  lineColumn,
  numberFromText,
  parseJson,
  stringifyJson,
  toPlainJson,
} from './losslessJson';
export type { JsonObject, JsonValue, ParseJsonOptions } from './losslessJson';
