/*
 * Runs many JSON<->XML conversions through the real WSO2 Synapse engine in one JVM.
 *
 *   java -cp synapse-engine.jar ConvertBatch.java [--prop k=v]... < cases.jsonl > results.jsonl
 *
 * Synapse reads its synapse.properties once, when JsonUtil is first loaded, so one process serves
 * one property set. Each input line is {"id": "...", "direction": "json2xml"|"xml2json",
 * "input": "...", "pis": true|false, "viaMessage": true|false}; each output line is
 * {"id": "...", "ok": true, "output": "..."} or {"id": "...", "ok": false, "error": "..."}, in order.
 * The conversion is the engine driver's own (synapseengine.Convert.convert, the code behind
 * `synapse-engine.jar convert`), so a case gives exactly what that command gives; "mediated": true
 * (json2xml) instead builds the message as Micro Integrator does, lets a mediator read the payload
 * (which expands the JSON data source into an XML tree, as XPath, enrich or payloadFactory do) and
 * then writes it with the XML formatter.
 */
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

public class ConvertBatch {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
    System.setOut(System.err); // the engine's libraries may print; only results go to the real stdout
    Properties props = new Properties();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--prop") && i + 1 < args.length) {
        String kv = args[++i];
        int eq = kv.indexOf('=');
        if (eq < 0) throw new IllegalArgumentException("--prop wants k=v, got " + kv);
        props.setProperty(kv.substring(0, eq), kv.substring(eq + 1));
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Class<?> boot = Class.forName("synapseengine.Boot");
    Method init = boot.getDeclaredMethod("init", Properties.class);
    init.setAccessible(true);
    init.invoke(null, props);
    Class<?> convert = Class.forName("synapseengine.Convert");
    Method conv = convert.getDeclaredMethod("convert", String.class, byte[].class, Properties.class, Map.class, boolean.class);
    conv.setAccessible(true);

    Gson gson = new Gson();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      JsonObject c = JsonParser.parseString(line).getAsJsonObject();
      JsonObject r = new JsonObject();
      r.add("id", c.get("id"));
      Map<String, String> opts = new HashMap<>();
      opts.put("pis", c.has("pis") && !c.get("pis").getAsBoolean() ? "false" : "true");
      boolean via = c.has("viaMessage") && c.get("viaMessage").getAsBoolean();
      boolean mediated = c.has("mediated") && c.get("mediated").getAsBoolean();
      try {
        byte[] input = c.get("input").getAsString().getBytes(StandardCharsets.UTF_8);
        byte[] res = mediated
            ? mediated(input)
            : (byte[]) conv.invoke(null, c.get("direction").getAsString(), input, props, opts, via);
        r.addProperty("ok", true);
        r.addProperty("output", new String(res, StandardCharsets.UTF_8));
      } catch (InvocationTargetException e) {
        report(r, e.getCause());
      } catch (Throwable t) {
        report(r, t);
      }
      out.println(gson.toJson(r));
      out.flush();
    }
  }

  private static void report(JsonObject r, Throwable t) {
    r.addProperty("ok", false);
    r.addProperty("error", (t.getClass().getName() + ": " + t.getMessage()).split("\n", 2)[0]);
  }

  /** JSON in through the message builder, the payload read by a mediator, XML out through the formatter. */
  private static byte[] mediated(byte[] input) throws Exception {
    if (configuration == null) {
      // the Axis2 configuration Boot.init wrote, built once for every case
      Class<?> boot = Class.forName("synapseengine.Boot");
      java.lang.reflect.Field homeField = boot.getDeclaredField("home");
      homeField.setAccessible(true);
      java.lang.reflect.Field axis2Field = boot.getDeclaredField("axis2Xml");
      axis2Field.setAccessible(true);
      java.nio.file.Path home = (java.nio.file.Path) homeField.get(null);
      java.nio.file.Path axis2 = (java.nio.file.Path) axis2Field.get(null);
      configuration = org.apache.axis2.context.ConfigurationContextFactory.createConfigurationContextFromFileSystem(
          home.resolve("repository").toString(), axis2.toString());
    }
    org.apache.axis2.context.MessageContext mc = configuration.createMessageContext();
    mc.setDoingREST(true);
    Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.put("Content-Type", "application/json");
    mc.setProperty("TRANSPORT_HEADERS", headers);
    mc.setProperty("CHARACTER_SET_ENCODING", "UTF-8");
    org.apache.axis2.builder.Builder builder =
        org.apache.axis2.util.MessageProcessorSelector.getMessageBuilder("application/json", mc);
    org.apache.axiom.om.OMElement element =
        builder.processDocument(new java.io.ByteArrayInputStream(input), "application/json", mc);
    mc.setEnvelope(org.apache.axis2.transport.TransportUtils.createSOAPEnvelope(element));
    org.apache.axiom.om.OMElement payload = mc.getEnvelope().getBody().getFirstElement();
    if (payload == null) return new byte[0];
    // what a mediator does first: walk the payload's children (this expands the JSON data source)
    for (java.util.Iterator<?> it = payload.getChildren(); it.hasNext(); ) it.next();
    payload.build();
    org.apache.synapse.commons.json.JsonUtil.removeJsonStream(mc);
    mc.setProperty("messageType", "application/xml");
    mc.setProperty("ContentType", "application/xml");
    org.apache.axis2.transport.MessageFormatter formatter =
        org.apache.axis2.util.MessageProcessorSelector.getMessageFormatter(mc);
    org.apache.axiom.om.OMOutputFormat format = org.apache.axis2.transport.base.BaseUtils.getOMOutputFormat(mc);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    formatter.writeTo(mc, format, bytes, false);
    return bytes.toByteArray();
  }

  private static org.apache.axis2.context.ConfigurationContext configuration;
}
