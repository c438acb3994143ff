package org.mamba2j.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file that cannot be what it claims to be; the message names the file and the problem. */
public class MalformedFileException extends IOException {

    public MalformedFileException(Path file, String problem) {
        super(oneLine(file + ": " + problem));
    }

    /**
     * Problems quote names read from the damaged file itself (tensor names, pickle strings); control
     * characters in them are escaped so that the message stays one printable line.
     */
    private static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }
}
