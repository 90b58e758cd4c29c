/*
 * Prints, as ranges of UTF-16 units in a regex character class, every character the engine's
 * org.apache.axis2.util.XMLChar.isNCName accepts (the class WSO2's JsonReaderDelegate uses to build
 * valid NCNames), so a test can compare it with the table @synapse-ai/json-xml carries.
 *
 *   java -cp synapse-engine.jar NameChars.java
 */
import org.apache.axis2.util.XMLChar;

public class NameChars {
  public static void main(String[] args) {
    StringBuilder sb = new StringBuilder();
    int start = -1;
    for (int c = 0; c <= 0x10000; c++) {
      boolean ok = c < 0x10000 && XMLChar.isNCName(c);
      if (ok && start < 0) start = c;
      if (!ok && start >= 0) {
        sb.append(String.format("\\u%04X", start));
        if (c - 1 > start) sb.append(String.format("-\\u%04X", c - 1));
        start = -1;
      }
    }
    System.out.println(sb);
  }
}
