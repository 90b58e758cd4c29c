/**
 * @fileoverview WSO2-faithful JSON⇄XML conversion, and lossless JSON.
 */
export { jsonToXml, escapeXml } from './jsonToXml';
export { xmlToJson, bigDecimalString, jsonString } from './xmlToJson';
export type { ConvertOptions } from './xmlToJson';
export { decodeUtf8, JsonXmlError } from './errors';
export type { JsonXmlErrorCode } from './errors';
export { PROPERTIES, PROPERTY_NAMES, resolveSettings } from './properties';
export type { PropertyInfo, Settings } from './properties';
export { readXml } from './xmlReader';
export type { ElementOffsets, XmlAttribute, XmlHandler, XmlNamespaceDeclaration, XmlReadOptions } from './xmlReader';
export {
  isValidJson,
  JsonNumber,
  JsonSyntaxError,
  lineColumn,
  numberFromText,
  parseJson,
  scanJsonNumber,
  scanJsonString,
  KeyMemo,
  stringifyJson,
  toPlainJson,
  topLevelKeys,
} from './losslessJson';
export type { JsonObject, JsonStringScan, JsonValue, ParseJsonOptions } from './losslessJson';
