"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.validators = exports.redactLogRecord = exports.TOKEN_RE = exports.restore = exports.redactWithPseudonyms = exports.PseudonymVault = exports.compileRule = exports.summaryHeader = exports.redact = exports.kindOf = exports.RedactError = exports.STRUCTURED_TYPES = exports.PII_TYPES = exports.DEFAULT_TYPES = exports.detect = exports.defineDetector = void 0;
/**
 * @fileoverview PII and secret detection and structure-aware redaction for JSON, XML and text.
 */
var detectors_1 = require("./detectors");
Object.defineProperty(exports, "defineDetector", { enumerable: true, get: function () { return detectors_1.defineDetector; } });
Object.defineProperty(exports, "detect", { enumerable: true, get: function () { return detectors_1.detect; } });
Object.defineProperty(exports, "DEFAULT_TYPES", { enumerable: true, get: function () { return detectors_1.DEFAULT_TYPES; } });
Object.defineProperty(exports, "PII_TYPES", { enumerable: true, get: function () { return detectors_1.PII_TYPES; } });
Object.defineProperty(exports, "STRUCTURED_TYPES", { enumerable: true, get: function () { return detectors_1.STRUCTURED_TYPES; } });
var errors_1 = require("./errors");
Object.defineProperty(exports, "RedactError", { enumerable: true, get: function () { return errors_1.RedactError; } });
var redact_1 = require("./redact");
Object.defineProperty(exports, "kindOf", { enumerable: true, get: function () { return redact_1.kindOf; } });
Object.defineProperty(exports, "redact", { enumerable: true, get: function () { return redact_1.redact; } });
Object.defineProperty(exports, "summaryHeader", { enumerable: true, get: function () { return redact_1.summaryHeader; } });
var rules_1 = require("./rules");
Object.defineProperty(exports, "compileRule", { enumerable: true, get: function () { return rules_1.compileRule; } });
var vault_1 = require("./vault");
Object.defineProperty(exports, "PseudonymVault", { enumerable: true, get: function () { return vault_1.PseudonymVault; } });
Object.defineProperty(exports, "redactWithPseudonyms", { enumerable: true, get: function () { return vault_1.redactWithPseudonyms; } });
Object.defineProperty(exports, "restore", { enumerable: true, get: function () { return vault_1.restore; } });
Object.defineProperty(exports, "TOKEN_RE", { enumerable: true, get: function () { return vault_1.TOKEN_RE; } });
var logFormat_1 = require("./logFormat");
Object.defineProperty(exports, "redactLogRecord", { enumerable: true, get: function () { return logFormat_1.redactLogRecord; } });
exports.validators = __importStar(require("./validators"));
//# sourceMappingURL=index.js.map