/** The expression checks: what parses, and where a broken expression breaks. */
import { checkExpression, checkJsonPath, checkSynapseExpressions, checkXPath } from '../expressions';

describe('XPath 1.0', () => {
  it.each([
    "get-property('axis2', 'HTTP_SC')",
    '$ctx:api.ut.api',
    "fn:concat('Bearer ', wso2:vault-lookup('a'))",
    '//m:order[@id = $trp:x and position() < 3]/m:line/text()',
    'count(//a) * 2 + 1 div 3 mod 2 - -1',
    '/',
    '//*[local-name() = "a"] | //b',
    'ancestor-or-self::node()[1]',
    '$body/*[1]',
    "boolean(get-property('AI_CUSTOM_ERROR_FORMAT_SEQUENCE'))",
    '.. and .',
    'string-length($ctx:x) > 0',
  ])('parses %s', (x) => expect(checkXPath(x)).toBeUndefined());

  it.each([
    ['', 0, /empty/],
    ['count(//a', 9, /expected '\)'/],
    ["concat('a", 7, /not closed/],
    ['//a[]', 4, /predicate cannot be empty/],
    ['a +', 2, /needs an operand/],
    ['foo::bar', 0, /not an XPath axis/],
    ['a b', 2, /unexpected 'b'/],
    ['#', 0, /unexpected character/],
  ])('reports %j at offset %i', (x, offset, message) => {
    const p = checkXPath(x);
    expect(p?.offset).toBe(offset);
    expect(p?.message).toMatch(message);
  });
});

describe('JSONPath', () => {
  it.each([
    '$',
    '$.a.b',
    '$..name',
    "$['a b'].c",
    '$.a[0]',
    '$.a[-1:]',
    '$.a[*].b',
    '$.a[?(@.qty > 1)]',
    '$.a.length()',
    '$.a[0,2]',
    // as Jayway compiles them when Synapse builds the mediator (each seen building with the engine)
    'a.b',
    '$.',
    '$.a.',
    'exchange.a[0]b',
  ])('parses %s', (x) => expect(checkJsonPath(x)).toBeUndefined());
  it.each([
    ['$.a[', /not closed/],
    ['$.a[]', /empty brackets/],
    ['$.a[x y]', /not an index/],
    ['$..', /must not end with '\.\.'/],
    ['$.a b', /bracket notation/],
  ])('reports %s', (x, m) => expect(checkJsonPath(x)?.message).toMatch(m));

  it('reads json-eval(...) and properties as json-eval reads them', () => {
    expect(checkExpression('json-eval($.a.b)')).toBeUndefined();
    expect(checkExpression('json-eval($ctx:result.items[0])')).toBeUndefined();
    expect(checkExpression('$.a', 'json')).toBeUndefined();
    expect(checkExpression('json-eval(a.b)')).toBeUndefined();
    expect(checkExpression('json-eval($.a..)')?.offset).toBe(13);
    expect(checkExpression('json-eval({$ctx:path})')).toBeUndefined();
  });
});

describe('Synapse expressions', () => {
  it.each([
    '${payload.a}',
    'Hello ${vars.name}!',
    "${payload.items[?(@.x == 'a')]}",
    '${vars.a} and ${length(vars.b)}',
  ])('parses %s', (x) => expect(checkSynapseExpressions(x)).toBeUndefined());
  it.each([
    ['${payload.a', /not closed/],
    ['${}', /empty/],
    ['${payload[0}', /closes the wrong bracket|not closed/],
    ["${'a}", /string .* not closed/],
    ['${var.endpoint}', /'var' is not a name .*vars\.name/],
    ['${a} and ${b}', /'a' is not a name/],
  ])('reports %s', (x, m) => expect(checkSynapseExpressions(x)?.message).toMatch(m));
});
