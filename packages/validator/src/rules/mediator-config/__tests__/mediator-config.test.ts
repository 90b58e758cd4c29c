import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

const SOAP12 = 'xmlns:e="http://www.w3.org/2003/05/soap-envelope"';

testRule(rule, {
  valid: [
    {
      name: 'a SOAP 1.2 Receiver code',
      code: seq(`<makefault version="soap12"><code value="e:Receiver" ${SOAP12}/><reason value="r"/></makefault>`),
    },
    { name: 'a POX fault (no code check)', code: seq('<makefault version="pox"><reason value="r"/></makefault>') },
    { name: 'validate with on-fail', code: seq('<validate><schema key="s"/><on-fail><drop/></on-fail></validate>') },
    {
      name: 'a pool with driver and url',
      code: seq(
        '<dbreport><connection><pool><driver>org.h2.Driver</driver><url>jdbc:h2:mem:x</url><user>u</user><password>p</password></pool></connection><statement><sql>insert</sql></statement></dbreport>',
      ),
    },
    {
      name: 'classes in packages, and a class from a template parameter',
      code: seq('<class name="com.example.M"/><bean action="CREATE" class="a.B" var="x"/><class name="{{cls}}"/>'),
    },
    {
      name: 'an xslt feature by URI',
      code: seq(
        '<xslt key="t.xsl"><feature name="http://ws.apache.org/ns/synapse/transform/feature/dom" value="true"/></xslt>',
      ),
    },
  ],
  invalid: [
    {
      name: 'a SOAP 1.2 code with no local name (MI tooling placeholder)',
      code: seq(`<makefault version="soap12"><code value="e:" ${SOAP12}/><reason value="r"/></makefault>`),
      errors: [{ line: 2, column: 39, message: /not a soap12 fault code/ }],
    },
    {
      name: 'a SOAP 1.1 code from SOAP 1.2',
      code: seq(
        '<makefault><code value="s:Sender" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason value="r"/></makefault>',
      ),
      errors: [{ line: 2, column: 22, message: /not a soap11 fault code.*Client, Server/ }],
    },
    {
      name: 'validate with an empty on-fail',
      code: seq('<validate source="//a"><schema key="s"/><on-fail></on-fail></validate>'),
      errors: [{ line: 2, column: 45, message: /needs an <on-fail> with at least one mediator/ }],
    },
    {
      name: 'a pool without a driver',
      code: seq(
        '<dblookup><connection><pool><url>jdbc:x</url><user>u</user><password>p</password></pool></connection><statement><sql>select</sql></statement></dblookup>',
      ),
      errors: [{ line: 2, column: 27, message: /names neither <driver> and <url> nor <dsName>/ }],
    },
    {
      name: 'a bean class in the default package',
      code: seq('<bean action="CREATE" class="TestClass" var="x"/>'),
      errors: [{ line: 2, column: 27, message: /class="TestClass" names a class in the default package/ }],
    },
    {
      name: 'a validate feature that is not a URI',
      code: seq(
        '<validate><schema key="s"/><feature name="Feature Name" value="true"/><on-fail><drop/></on-fail></validate>',
      ),
      errors: [{ line: 2, column: 41, message: /is not a URI/ }],
    },
  ],
});
