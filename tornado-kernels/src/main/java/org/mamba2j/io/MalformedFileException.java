package org.mamba2j.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file that cannot be what it claims to be; the message names the file and the problem. */
public class MalformedFileException extends IOException {

    public MalformedFileException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
