"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RedactError = void 0;
/** An error of the redaction engine, with a code the policies map to the error catalogue. */
class RedactError extends Error {
    code;
    constructor(code, message) {
        super(message);
        this.code = code;
        this.name = 'RedactError';
    }
}
exports.RedactError = RedactError;
//# sourceMappingURL=errors.js.map